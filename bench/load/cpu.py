"""CPU seconds used so far by the processes a load pass exercises, for pages.sh's CPU per request:
the web server (gunicorn's master and its workers), the Celery worker (with its pool), and the PostgreSQL
backends connected to the benchmark's database (found by the database name in their process title).

    python bench/load/cpu.py GUNICORN_PID WORKER_PID[,WORKER_PID...] DATABASE [BEFORE]

prints "web worker db pid:seconds..." (CPU seconds, user + system, so far). Given the line printed before a
pass as BEFORE, it prints instead what the pass used: "web worker db". The database's share is summed per
backend process (one that started during the pass counts whole; one that exited during it is lost, so the
figure is a lower bound: connections persist for a minute, longer than a pass)."""

import sys

import psutil


def tree(pid: int) -> float:
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def backends(database: str) -> dict[int, float]:
    found = {}
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            title = " ".join(process.info["cmdline"] or [])
            if (process.info["name"] == "postgres" or title.startswith("postgres:")) and f" {database} " in title:
                times = process.cpu_times()
                found[process.pid] = times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


if __name__ == "__main__":
    web, workers, database = int(sys.argv[1]), [int(pid) for pid in sys.argv[2].split(",")], sys.argv[3]
    now = (tree(web), sum(tree(pid) for pid in workers), backends(database))
    if len(sys.argv) > 4:
        fields = sys.argv[4].split()
        before_db = {int(pid): float(cpu) for pid, cpu in (item.split(":") for item in fields[3:])}
        db = sum(cpu - before_db.get(pid, 0.0) for pid, cpu in now[2].items())
        print(f"{now[0] - float(fields[0]):.2f} {now[1] - float(fields[1]):.2f} {db:.2f}")
    else:
        print(f"{now[0]:.2f} {now[1]:.2f} 0", *(f"{pid}:{cpu:.2f}" for pid, cpu in now[2].items()))
