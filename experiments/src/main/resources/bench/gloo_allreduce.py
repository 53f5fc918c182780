"""PyTorch's gloo all-reduce of int64 vectors between processes on loopback: the figure `apollo bench allreduce`
puts beside its own ring. Usage: gloo_allreduce.py RANKS PORT REPEATS MIB,MIB,...

Each size is summed once to warm up (and checked), then REPEATS times between barriers; rank 0 prints one line per
size, "RANKS MIB SECONDS", the median."""
import datetime
import os
import statistics
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def rank_main(rank, world, port, repeats, sizes_mib):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world, timeout=datetime.timedelta(seconds=120))
    for mib in sizes_mib:
        count = mib * (1 << 20) // 8
        vector = torch.arange(count, dtype=torch.int64) + rank
        dist.all_reduce(vector)
        expected_first = world * (world - 1) // 2
        if int(vector[0]) != expected_first or int(vector[-1]) != world * (count - 1) + expected_first:
            raise SystemExit("gloo summed %d MiB wrongly" % mib)
        seconds = []
        for _ in range(repeats):
            vector.zero_()
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(vector)
            seconds.append(time.perf_counter() - start)
        if rank == 0:
            print("%d %d %.9f" % (world, mib, statistics.median(seconds)), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    world, port, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    sizes = [int(mib) for mib in sys.argv[4].split(",")]
    mp.spawn(rank_main, args=(world, port, repeats, sizes), nprocs=world, join=True)
