#!/usr/bin/env bash
# Trains with two ranks that share no network but a cable: two network namespaces joined by a
# veth pair, rank 0 in one and rank 1 in the other, talking over Open MPI's TCP transport.
# Shows that `mpirun ... pneumo train` crosses a network boundary, on one machine. Needs root
# and iproute2; the namespaces, the link and the launcher it writes are removed on exit.
#
#   Scripts/mpi_namespaces.sh --data ROOT --epochs 1 --batch-size 8 --out runs/two-hosts
#
# Every argument goes to `pneumo train`. PNEUMO names the binary (default: the release build,
# else the debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
pneumo="${PNEUMO:-}"
if [ -z "$pneumo" ]; then
    for candidate in .build/release/pneumo .build/debug/pneumo; do
        [ -x "$candidate" ] && pneumo="$PWD/$candidate" && break
    done
fi
[ -n "$pneumo" ] || { echo "no pneumo binary: run swift build -c release, or set PNEUMO" >&2; exit 1; }
command -v ip >/dev/null || { echo "ip (iproute2) is not installed: apt-get install iproute2" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "mpirun is not installed: run Scripts/install-deps.sh" >&2; exit 1; }

first=pneumo-mpi-a second=pneumo-mpi-b
address_a=10.231.0.1 address_b=10.231.0.2 subnet=10.231.0.0/24
launcher=$(mktemp /tmp/pneumo-mpi-launch.XXXXXX)
cleanup() {
    ip netns del "$first" 2>/dev/null || true
    ip netns del "$second" 2>/dev/null || true
    rm -f "$launcher"
}
trap cleanup EXIT

ip netns add "$first"
ip netns add "$second"
ip link add veth-a netns "$first" type veth peer name veth-b netns "$second"
ip -n "$first" addr add "$address_a/24" dev veth-a
ip -n "$second" addr add "$address_b/24" dev veth-b
for namespace in "$first" "$second"; do ip -n "$namespace" link set lo up; done
ip -n "$first" link set veth-a up
ip -n "$second" link set veth-b up

# mpirun starts a remote rank's daemon through an "rsh agent" (normally ssh): here it steps
# into the second namespace instead of logging into another machine.
cat > "$launcher" <<LAUNCH
#!/bin/sh
host="\$1"; shift
if [ "\$host" = "$address_b" ]; then exec ip netns exec $second sh -c "\$*"; fi
exec sh -c "\$*"
LAUNCH
chmod +x "$launcher"

echo "rank 0 in namespace $first ($address_a), rank 1 in $second ($address_b), TCP over a veth pair"
ip netns exec "$first" mpirun --allow-run-as-root --oversubscribe --bind-to none \
    --host "$address_a,$address_b" -np 2 \
    --mca plm_rsh_agent "$launcher" \
    --mca btl tcp,self --mca btl_tcp_if_include "$subnet" --mca oob_tcp_if_include "$subnet" \
    "$pneumo" train "$@"
