r"""The benchmark programs of Chapter 4: small, CPU-bound, written for the book.

Each program defines ``main(n)`` and returns a checksum that depends on all
of its work, so that every engine that runs it (CPython, the bytecode VM,
the tree walker) can be checked to have computed the same thing before its
time counts. *size* is the ``n`` of a timed run, *test_size* one that runs
in a blink, for the tests. The programs are our own small versions of the
classic workloads (recursion, loops, attribute access, a generator
pipeline, an n-body simulation, a Richards-like task scheduler), not copies
of any benchmark suite's code.

>>> sorted(PROGRAMS)
['attributes', 'generators', 'loops', 'nbody', 'recursion', 'richards']
>>> namespace = {}
>>> exec(PROGRAMS["recursion"].source_for(10), namespace)
>>> namespace["result"]
55
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import dedent

__all__ = ["PROGRAMS", "BenchProgram"]


@dataclass(frozen=True)
class BenchProgram:
    """A benchmark: its source (defining ``main(n)``), a timed and a test size."""

    name: str
    source: str
    size: int
    test_size: int

    def source_for(self, size: int) -> str:
        """Return the whole program: the definitions, then ``result = main(size)``.

        >>> PROGRAMS["loops"].source_for(3).splitlines()[-1]
        'result = main(3)'
        """
        return f"{self.source}\nresult = main({size})\n"


_RECURSION = """
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def main(n):
    return fib(n)
"""

_LOOPS = """
def main(n):
    total = 0
    for i in range(n):
        j = 0
        while j < 10:
            if (i + j) % 3 == 0:
                total += i * j
            else:
                total -= j
            j += 1
    return total
"""

_ATTRIBUTES = """
class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def moved(self, dx, dy):
        return Point(self.x + dx, self.y + dy)

    def manhattan(self):
        return abs(self.x) + abs(self.y)

def main(n):
    p = Point(0, 0)
    total = 0
    for i in range(n):
        p.x = p.x + 1
        p.y -= i % 7
        q = p.moved(i, -i)
        total += q.manhattan() - p.manhattan()
    return total
"""

_GENERATORS = """
def numbers(n):
    for i in range(n):
        yield i

def squares(items):
    for item in items:
        yield item * item

def evens(items):
    for item in items:
        if item % 2 == 0:
            yield item

def main(n):
    pipeline = sum(evens(squares(numbers(n))))
    return pipeline + sum(x // 3 for x in numbers(n))
"""

_NBODY = """
def make_bodies():
    # x, y, z, vx, vy, vz, mass: a heavy star and four planets, made-up units
    return [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 39.5],
        [4.8, -1.2, -0.1, 0.61, 2.8, -0.02, 0.037],
        [8.3, 4.1, -0.4, -1.0, 1.8, 0.008, 0.011],
        [12.9, -15.1, -0.2, 1.1, 0.87, -0.01, 0.0017],
        [15.4, -25.9, 0.18, 0.98, 0.59, -0.03, 0.002],
    ]

def advance(bodies, dt):
    count = len(bodies)
    for i in range(count):
        a = bodies[i]
        for j in range(i + 1, count):
            b = bodies[j]
            dx = a[0] - b[0]
            dy = a[1] - b[1]
            dz = a[2] - b[2]
            distance2 = dx * dx + dy * dy + dz * dz
            magnitude = dt / (distance2 * distance2 ** 0.5)
            a_pull = a[6] * magnitude
            b_pull = b[6] * magnitude
            a[3] -= dx * b_pull
            a[4] -= dy * b_pull
            a[5] -= dz * b_pull
            b[3] += dx * a_pull
            b[4] += dy * a_pull
            b[5] += dz * a_pull
    for body in bodies:
        body[0] += dt * body[3]
        body[1] += dt * body[4]
        body[2] += dt * body[5]

def energy(bodies):
    total = 0.0
    for i, a in enumerate(bodies):
        total += 0.5 * a[6] * (a[3] * a[3] + a[4] * a[4] + a[5] * a[5])
        for b in bodies[i + 1:]:
            dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
            total -= a[6] * b[6] / (dx * dx + dy * dy + dz * dz) ** 0.5
    return total

def main(n):
    bodies = make_bodies()
    for _ in range(n):
        advance(bodies, 0.01)
    return round(energy(bodies), 9)
"""

_RICHARDS = """
class Packet:
    def __init__(self, serial):
        self.data = [serial % 26, 0, 0, 0]
        self.hops = 0

class Task:
    def __init__(self, name, priority):
        self.name = name
        self.priority = priority
        self.inbox = []
        self.handled = 0

    def ready(self):
        return len(self.inbox) > 0

    def receive(self):
        self.handled += 1
        return self.inbox.pop(0)

class Worker(Task):
    def __init__(self, name, priority, handlers):
        Task.__init__(self, name, priority)
        self.handlers = handlers
        self.turn = 0

    def run(self, scheduler):
        packet = self.receive()
        packet.data = [(packet.data[i] + self.turn + i) % 26 for i in range(4)]
        target = self.handlers[self.turn % len(self.handlers)]
        self.turn += 1
        scheduler.send(packet, target)

class Handler(Task):
    def __init__(self, name, priority, device):
        Task.__init__(self, name, priority)
        self.device = device

    def run(self, scheduler):
        packet = self.receive()
        packet.hops += 1
        scheduler.send(packet, self.device)

class Device(Task):
    def __init__(self, name, priority):
        Task.__init__(self, name, priority)
        self.checksum = 0
        self.worker = None

    def run(self, scheduler):
        packet = self.receive()
        self.checksum = (self.checksum * 31 + sum(packet.data) + packet.hops) % 1000003
        if packet.hops < scheduler.limit:
            scheduler.send(packet, self.worker)

class Scheduler:
    def __init__(self, limit):
        self.tasks = []
        self.limit = limit
        self.sent = 0

    def add(self, task):
        self.tasks.append(task)
        self.tasks.sort(key=lambda t: -t.priority)

    def send(self, packet, task):
        task.inbox.append(packet)
        self.sent += 1

    def schedule(self):
        while True:
            for task in self.tasks:
                if task.ready():
                    task.run(self)
                    break
            else:
                return self.sent

def main(n):
    scheduler = Scheduler(n)
    devices = [Device("device a", 4), Device("device b", 5)]
    handlers = [Handler("handler a", 2, devices[0]),
                Handler("handler b", 3, devices[1])]
    worker = Worker("worker", 1, handlers)
    for task in [worker, *handlers, *devices]:
        scheduler.add(task)
    for device in devices:
        device.worker = worker
    for serial in range(8):
        scheduler.send(Packet(serial), worker)
    sent = scheduler.schedule()
    return sent, [device.checksum for device in devices], worker.handled
"""


PROGRAMS: dict[str, BenchProgram] = {
    program.name: program
    for program in [
        BenchProgram("recursion", dedent(_RECURSION), size=22, test_size=8),
        BenchProgram("loops", dedent(_LOOPS), size=5_000, test_size=20),
        BenchProgram("attributes", dedent(_ATTRIBUTES), size=10_000, test_size=20),
        BenchProgram("generators", dedent(_GENERATORS), size=20_000, test_size=30),
        BenchProgram("nbody", dedent(_NBODY), size=1_000, test_size=3),
        BenchProgram("richards", dedent(_RICHARDS), size=300, test_size=3),
    ]
}
"""The programs by name, in the order the benchmark reports them."""
