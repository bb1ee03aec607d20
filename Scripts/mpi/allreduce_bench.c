// Times MPI_Allreduce (sum, in place) of float buffers the size of a model's gradients, the
// call pneumo's gradient exchange makes once per step. Every repetition starts after a
// barrier, and a repetition's time is the slowest rank's, so the figure is what a step waits.
// Usage: mpirun -np N allreduce_bench REPETITIONS COUNT[:NAME] ...
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc < 3) {
        if (rank == 0) fprintf(stderr, "usage: allreduce_bench REPETITIONS COUNT[:NAME] ...\n");
        MPI_Finalize();
        return 2;
    }
    const int repetitions = atoi(argv[1]);
    if (rank == 0) {
        printf("ranks=%d repetitions=%d (median and min of the slowest rank's time per call)\n", size, repetitions);
        printf("%-22s %12s %10s %10s %14s\n", "buffer", "bytes", "median_ms", "min_ms", "bus_GB_per_s");
    }
    for (int a = 2; a < argc; a++) {
        const long count = atol(argv[a]);
        const char *colon = strchr(argv[a], ':');
        const char *name = colon ? colon + 1 : argv[a];
        float *values = malloc(sizeof(float) * (count > 0 ? count : 1));
        double *times = malloc(sizeof(double) * repetitions);
        for (long i = 0; i < count; i++) values[i] = (float)((i + rank) % 7) * 0.125f;
        for (int r = -3; r < repetitions; r++) {  // three warm-up calls first
            MPI_Barrier(MPI_COMM_WORLD);
            const double start = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            double elapsed = MPI_Wtime() - start, slowest = 0;
            MPI_Allreduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            if (r >= 0) times[r] = slowest;
            // Keep the values finite and the buffer's contents changing between calls.
            for (long i = 0; i < count; i += 1024) values[i] *= 1.0f / (float)size;
        }
        qsort(times, repetitions, sizeof(double), compare);
        const double median = repetitions % 2 ? times[repetitions / 2] : 0.5 * (times[repetitions / 2 - 1] + times[repetitions / 2]);
        const double bytes = (double)count * sizeof(float);
        // What a ring allreduce moves per rank: 2 (N - 1) / N of the buffer, over the time taken.
        const double bus = 2.0 * (size - 1) / size * bytes / median / 1e9;
        if (rank == 0) printf("%-22s %12.0f %10.3f %10.3f %14.2f\n", name, bytes, median * 1e3, times[0] * 1e3, bus);
        free(values);
        free(times);
    }
    MPI_Finalize();
    return 0;
}
