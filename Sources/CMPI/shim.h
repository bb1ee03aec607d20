#ifndef PNEUMO_CMPI_SHIM_H
#define PNEUMO_CMPI_SHIM_H
// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM...) are C macros over internal
// symbols, which Swift cannot import; these inline wrappers give them a plain C face.
// Every call works on MPI_COMM_WORLD and returns MPI's error code.
#include <mpi.h>

/// Initialises MPI once; `provided` receives the thread level granted.
static inline int pneumo_mpi_init(int *provided) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) { *provided = MPI_THREAD_SERIALIZED; return MPI_SUCCESS; }
    // Errors are returned, not fatal, so the caller can name the rank and host before aborting.
    int code = MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
    if (code == MPI_SUCCESS) MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    return code;
}

static inline int pneumo_mpi_finalize(void) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    return finalized ? MPI_SUCCESS : MPI_Finalize();
}

static inline int pneumo_mpi_rank(int *rank) { return MPI_Comm_rank(MPI_COMM_WORLD, rank); }
static inline int pneumo_mpi_size(int *size) { return MPI_Comm_size(MPI_COMM_WORLD, size); }

/// Sums `count` floats over every rank, in place.
static inline int pneumo_mpi_allreduce_sum_float(float *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

/// Sums `count` doubles over every rank, in place.
static inline int pneumo_mpi_allreduce_sum_double(double *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

/// Copies `count` bytes from `root` to every rank.
static inline int pneumo_mpi_broadcast_bytes(void *bytes, int count, int root) {
    return MPI_Bcast(bytes, count, MPI_BYTE, root, MPI_COMM_WORLD);
}

/// Gathers `count` bytes from every rank into `gathered` (size x count bytes) on every rank.
static inline int pneumo_mpi_allgather_bytes(const void *bytes, void *gathered, int count) {
    return MPI_Allgather(bytes, count, MPI_BYTE, gathered, count, MPI_BYTE, MPI_COMM_WORLD);
}

static inline int pneumo_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

/// Ends every rank of the job with `code`.
static inline int pneumo_mpi_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }

/// MPI's text for an error code, into `text` (at least MPI_MAX_ERROR_STRING bytes).
static inline void pneumo_mpi_error_text(int code, char *text, int capacity) {
    char buffer[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, buffer, &length) != MPI_SUCCESS) length = 0;
    if (length >= capacity) length = capacity - 1;
    for (int i = 0; i < length; i++) text[i] = buffer[i];
    text[length < 0 ? 0 : length] = 0;
}
#endif
