#!/usr/bin/env python3
"""Checks spy's stdlib modules written in spy (src/stdlib/spy/*.spy) against CPython's own.

The .spy modules are plain Python 3, so this script loads each one under CPython by file path
and compares its behaviour with the real module on fixed and randomized cases: results, reprs,
exception types and messages, and the state left behind. Not run by CI (it needs python3);
run it after changing a .spy module:  python3 test/tools/stdlib_check.py [-v] [module ...]
"""

import collections as real_collections
import contextlib as real_contextlib
import functools as real_functools
import heapq as real_heapq
import importlib.machinery
import importlib.util
import io
import itertools as real_itertools
import os
import random as real_random
import sys
import traceback
import warnings

warnings.simplefilter('ignore', DeprecationWarning)   # randrange(2.5) warns in 3.11

HERE = os.path.dirname(os.path.abspath(__file__))
SPY_STDLIB = os.path.join(HERE, '..', '..', 'src', 'stdlib', 'spy')
VERBOSE = '-v' in sys.argv
rng = real_random.Random(20240601)     # drives the randomized cases; independent of both

passed = 0
failures = []


def load(name):
    """Import src/stdlib/spy/<name>.spy under CPython as module `spy_<name>`."""
    path = os.path.join(SPY_STDLIB, name + '.spy')
    loader = importlib.machinery.SourceFileLoader('spy_' + name, path)
    spec = importlib.util.spec_from_loader('spy_' + name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def outcome(thunk):
    """What calling thunk does: ('ok', value) or ('raise', type name, message)."""
    try:
        return ('ok', thunk())
    except Exception as e:     # noqa: BLE001 -- the exception is the thing being compared
        return ('raise', type(e).__name__, str(e))


def check(label, ours, real):
    """Record whether ours and real agree; both are thunks, or plain values."""
    global passed
    a = outcome(ours) if callable(ours) else ('ok', ours)
    b = outcome(real) if callable(real) else ('ok', real)
    if a == b:
        passed += 1
    else:
        failures.append('%s\n      spy:     %.300r\n      CPython: %.300r' % (label, a, b))


def take(iterator, n=50):
    return list(real_itertools.islice(iterator, n))


################################################################################
### heapq
################################################################################

def check_heapq():
    h = load('heapq')
    for case in range(300):
        size = rng.randrange(0, 40)
        data = [rng.randrange(-20, 20) for _ in range(size)]
        a, b = list(data), list(data)
        h.heapify(a)
        real_heapq.heapify(b)
        check('heapify %r' % data, a, b)
        for step in range(30):
            op = rng.choice(['push', 'pop', 'pushpop', 'replace'])
            x = rng.randrange(-25, 25)
            ours = outcome(lambda: getattr(h, 'heap' + op)(a, *([] if op == 'pop' else [x])))
            real = outcome(lambda: getattr(real_heapq, 'heap' + op)(b, *([] if op == 'pop' else [x])))
            check('heap%s(%r) case %d' % (op, x, case), ours, real)
            check('heap state after heap%s case %d' % (op, case), a, b)
    # Tuples with tags: ties must come out in exactly CPython's order.
    for case in range(200):
        items = [(rng.randrange(5), i) for i in range(rng.randrange(0, 30))]
        a, b = [], []
        for it in items:
            h.heappush(a, it)
            real_heapq.heappush(b, it)
        check('tuple heap %d' % case, a, b)
        n = rng.randrange(-2, 35)
        keyed = [(rng.randrange(6), 'x' * rng.randrange(4)) for _ in range(rng.randrange(0, 30))]
        for fn in ('nlargest', 'nsmallest'):
            check('%s(%d) list' % (fn, n), getattr(h, fn)(n, items), getattr(real_heapq, fn)(n, items))
            check('%s(%d) iterator' % (fn, n), getattr(h, fn)(n, iter(items)),
                  getattr(real_heapq, fn)(n, iter(items)))
            for key in (lambda t: t[0], lambda t: len(t[1]), lambda t: -t[0]):
                check('%s(%d) key' % (fn, n), getattr(h, fn)(n, keyed, key=key),
                      getattr(real_heapq, fn)(n, keyed, key=key))
                check('%s(%d) key iterator' % (fn, n), getattr(h, fn)(n, iter(keyed), key=key),
                      getattr(real_heapq, fn)(n, iter(keyed), key=key))
        streams = [sorted((rng.randrange(8), j, k) for k in range(rng.randrange(0, 8)))
                   for j in range(rng.randrange(0, 5))]
        check('merge', lambda: list(h.merge(*streams)), lambda: list(real_heapq.merge(*streams)))
        check('merge key', lambda: list(h.merge(*streams, key=lambda t: t[0])),
              lambda: list(real_heapq.merge(*streams, key=lambda t: t[0])))
        rstreams = [sorted(s, key=lambda t: t[0], reverse=True) for s in streams]
        check('merge reverse key', lambda: list(h.merge(*rstreams, key=lambda t: t[0], reverse=True)),
              lambda: list(real_heapq.merge(*rstreams, key=lambda t: t[0], reverse=True)))
        check('merge reverse', lambda: list(h.merge(*[sorted(s, reverse=True) for s in streams], reverse=True)),
              lambda: list(real_heapq.merge(*[sorted(s, reverse=True) for s in streams], reverse=True)))
    for fn in ('heappop', 'heapreplace'):
        args = ([],) if fn == 'heappop' else ([], 1)
        check(fn + ' empty', lambda: getattr(h, fn)(*args), lambda: getattr(real_heapq, fn)(*args))
    check('heappushpop empty', lambda: h.heappushpop([], 3), lambda: real_heapq.heappushpop([], 3))


################################################################################
### itertools
################################################################################

def check_itertools():
    it = load('itertools')
    ri = real_itertools

    def both(label, make, n=60):
        """Compare the first n items of make(module), and what the call raises."""
        check(label, lambda: take(make(it), n), lambda: take(make(ri), n))

    both('count()', lambda m: m.count())
    both('count(5)', lambda m: m.count(5))
    both('count(2.5, 0.5)', lambda m: m.count(2.5, 0.5))
    both('count(10, -3)', lambda m: m.count(10, -3))
    both('count(0.1, 0.1)', lambda m: m.count(0.1, 0.1))
    both("count('a')", lambda m: m.count('a'))
    both('cycle', lambda m: m.cycle('abc'))
    both('cycle empty', lambda m: m.cycle([]))
    both('cycle int', lambda m: m.cycle(5))
    both('repeat', lambda m: m.repeat('x'))
    both('repeat n', lambda m: m.repeat('x', 3))
    both('repeat times=', lambda m: m.repeat('x', times=2))
    both('repeat negative', lambda m: m.repeat('x', -2))
    both('repeat float', lambda m: m.repeat('x', 2.0))
    both('chain', lambda m: m.chain('ab', [1, 2], (), range(3)))
    both('chain.from_iterable', lambda m: m.chain.from_iterable(['ab', [1], range(2)]))
    both('chain.from_iterable lazy', lambda m: m.chain.from_iterable(iter([iter('xy'), 'z'])))
    both('pairwise', lambda m: m.pairwise('abcde'))
    both('pairwise short', lambda m: m.pairwise('a'))
    both('pairwise empty', lambda m: m.pairwise(''))
    both('starmap', lambda m: m.starmap(pow, [(2, 5), (3, 2), (10, 3)]))
    both('compress', lambda m: m.compress('ABCDEF', [1, 0, 1, 0, 1, 1]))
    both('compress short selectors', lambda m: m.compress('ABCDEF', [1, 1]))
    both('filterfalse None', lambda m: m.filterfalse(None, [0, 1, '', 'a', None, [], [0]]))
    both('zip_longest none', lambda m: m.zip_longest())
    both('zip_longest bad', lambda m: m.zip_longest([1], 5))
    both('islice bad iterable', lambda m: m.islice(5, 3))
    both('permutations bad iterable', lambda m: m.permutations(5))

    for case in range(250):
        data = [rng.randrange(5) for _ in range(rng.randrange(0, 12))]
        both('accumulate %r' % data, lambda m: m.accumulate(data))
        both('accumulate max', lambda m: m.accumulate(data, max))
        both('accumulate initial', lambda m: m.accumulate(data, initial=100))
        both('accumulate mul initial', lambda m: m.accumulate(data, lambda a, b: a * b + 1, initial=2))
        both('dropwhile', lambda m: m.dropwhile(lambda x: x < 3, data))
        both('takewhile', lambda m: m.takewhile(lambda x: x < 3, data))
        both('filterfalse', lambda m: m.filterfalse(lambda x: x % 2, data))
        selectors = [rng.randrange(2) for _ in data[:-1]]
        both('compress rand', lambda m: m.compress(data, selectors))
        both('pairwise rand', lambda m: m.pairwise(data))
        other = [rng.randrange(5) for _ in range(rng.randrange(0, 6))]
        both('zip_longest', lambda m: m.zip_longest(data, other, 'xyz'))
        both('zip_longest fill', lambda m: m.zip_longest(other, data, fillvalue='-'))
        for key in (None, lambda x: x // 2, lambda x: x % 2):
            check('groupby %r' % data,
                  lambda: [(k, list(g)) for k, g in it.groupby(data, key)],
                  lambda: [(k, list(g)) for k, g in ri.groupby(data, key)])
            check('groupby keys only',
                  lambda: [k for k, g in it.groupby(data, key)],
                  lambda: [k for k, g in ri.groupby(data, key)])
            # Partly consumed groups, and groups kept until after the outer moved on.
            pattern = [rng.randrange(3) for _ in range(20)]

            def partial_groups(m):
                kept = []
                out = []
                for i, (k, g) in enumerate(m.groupby(iter(data), key)):
                    out.append((k, take(g, pattern[i % 20])))
                    kept.append(g)
                out.append([list(g) for g in kept])
                return out
            check('groupby partial', lambda: partial_groups(it), lambda: partial_groups(ri))
        # islice: the items, and how much of the input it consumed.
        args = rng.choice([
            (rng.randrange(-1, 15),),
            (None,),
            (rng.randrange(0, 10), rng.randrange(-1, 15)),
            (rng.randrange(0, 10), rng.randrange(0, 15), rng.randrange(-1, 5)),
            (None, rng.randrange(0, 15), None),
            (rng.randrange(0, 8), None, rng.randrange(1, 4)),
            (rng.randrange(0, 8), 'x'),
            ('x', 3),
            (1, 2, 'x'),
            (rng.randrange(-3, 0), 4),
            (1, -2),
            (),
            (1, 2, 3, 4),
        ])

        def sliced(m):
            source = iter(range(20))
            items = list(m.islice(source, *args))
            return items, list(source)
        check('islice%r' % (args,), lambda: sliced(it), lambda: sliced(ri))

        def sliced_stepwise(m):
            source = iter(range(20))
            s = m.islice(source, *args)
            log = []
            for _ in range(4):
                log.append(next(s, 'end'))
                log.append(list(ri.islice(ri.tee(source)[0], 0)))
            return log, list(source)
        check('islice stepwise%r' % (args,), lambda: sliced_stepwise(it), lambda: sliced_stepwise(ri))

        pool = data[:rng.randrange(0, 6)]
        r = rng.choice([None, 0, 1, 2, 3, len(pool), len(pool) + 1, -1])
        both('permutations %r %r' % (pool, r), lambda m: m.permutations(pool, r), 800)
        if r is not None:
            both('combinations %r %r' % (pool, r), lambda m: m.combinations(pool, r), 800)
            both('cwr %r %r' % (pool, r), lambda m: m.combinations_with_replacement(pool, r), 800)
        pools = [data[:rng.randrange(0, 4)] for _ in range(rng.randrange(0, 4))]
        rep = rng.choice([1, 1, 2, 0, -1])
        both('product %r repeat=%r' % (pools, rep), lambda m: m.product(*pools, repeat=rep), 800)

        def teed(m):
            a, b, c = m.tee(iter(data), 3)
            return take(a, 3), list(b), list(a), list(c)
        check('tee', lambda: teed(it), lambda: teed(ri))
        check('tee n=0', lambda: it.tee(data, 0), lambda: ri.tee(data, 0))
        check('tee n=-1', lambda: it.tee(data, -1), lambda: ri.tee(data, -1))
        both('starmap rand', lambda m: m.starmap(lambda a, b: a - b, zip(data, other)))
        both('cycle rand', lambda m: m.cycle(data), 30)
    both('combinations r<0', lambda m: m.combinations('abc', -1))
    both('cwr r<0', lambda m: m.combinations_with_replacement('abc', -1))
    both('permutations r=float', lambda m: m.permutations('abc', 1.0))
    both('cwr empty r=0', lambda m: m.combinations_with_replacement('', 0))
    both('cwr empty r=2', lambda m: m.combinations_with_replacement('', 2))
    both('product()', lambda m: m.product())
    both('product big', lambda m: m.product('ab', range(3), 'xyz', repeat=2), 1000)


################################################################################
### random
################################################################################

def check_random():
    r = load('random')
    seeds = [0, 1, 42, -42, 2 ** 32, 2 ** 32 - 1, 2 ** 100 + 7, -(2 ** 70), 12345678901234567890,
             3.5, -0.25, 1e300, 0.0, 'hello', '', 'héllo wörld €😀', 'a' * 300, True, False]
    seeds += [rng.randrange(-2 ** 80, 2 ** 80) for _ in range(60)]
    for s in seeds:
        ours, real = r.Random(s), real_random.Random(s)
        check('seed %r state' % (s,), ours.getstate(), real.getstate())
        check('seed %r random()' % (s,), [ours.random() for _ in range(700)],
              [real.random() for _ in range(700)])
        for k in [0, 1, 5, 31, 32, 33, 63, 64, 65, 100, 257]:
            check('getrandbits(%d)' % k, ours.getrandbits(k), real.getrandbits(k))
        check('state after getrandbits', ours.getstate(), real.getstate())
    ours, real = r.Random(7), real_random.Random(7)
    check('seed version=1', lambda: (ours.seed('abc', version=1), ours.random())[1],
          lambda: (real.seed('abc', version=1), real.random())[1])
    check('seed bytes', lambda: (ours.seed(b'xyz'), ours.random())[1],
          lambda: (real.seed(b'xyz'), real.random())[1])
    check('seed bad type', lambda: ours.seed([1]), lambda: real.seed([1]))
    check('setstate roundtrip', lambda: (ours.setstate(real.getstate()), ours.random())[1],
          lambda: real.random())
    for bad in [(2, (), None), (5, (), None), (3, (1, 2), None), (3, (0,) * 624 + (625,), None)]:
        check('setstate bad %r' % (bad[:1],), lambda: ours.setstate(bad), lambda: real.setstate(bad))
    old_state = (2, tuple(x - 2 ** 32 if x >= 2 ** 31 else x for x in real.getstate()[1][:-1])
                 + (real.getstate()[1][-1],), None)
    check('setstate version 2', lambda: (ours.setstate(old_state), ours.random())[1],
          lambda: (real.setstate(old_state), real.random())[1])

    # Long random programs of calls: every result and the final state must agree.
    for case in range(250):
        s = rng.randrange(2 ** 40)
        ours, real = r.Random(s), real_random.Random(s)
        for step in range(40):
            op = rng.randrange(19)
            a = rng.randrange(-50, 50)
            b = a + rng.randrange(-5, 3000)
            st = rng.choice([1, 2, 3, -1, -7, 0, 10 ** 12])
            seq = list(range(rng.randrange(0, 40)))
            k = rng.randrange(-1, 45)
            k2 = rng.randrange(0, 60)
            calls = [
                lambda m: m.random(),
                lambda m: m.randrange(abs(a) + 1),
                lambda m: m.randrange(a),
                lambda m: m.randrange(a, b),
                lambda m: m.randrange(a, b, st),
                lambda m: m.randint(a, b),
                lambda m: m.choice(seq),
                lambda m: (lambda x: (m.shuffle(x), x)[1])(list(seq)),
                lambda m: m.sample(seq, k),
                lambda m: m.sample(range(10 ** 6), k2),
                lambda m: m.choices(seq, k=k),
                lambda m: m.choices('abcde', [1, 2, 3, 4, 5], k=k),
                lambda m: m.choices('abcde', cum_weights=[1, 3, 6, 10, 15], k=5),
                lambda m: m.uniform(a, b),
                lambda m: m.gauss(a, 2.0),
                lambda m: m.normalvariate(0.0, 3.0),
                lambda m: (m.getrandbits(abs(a) * 3), m.randrange(10 ** 20 + a),
                           m.randint(-2 ** 40, 2 ** 40 + b), m.choice(range(2 ** 33 + b))),
                lambda m: m.sample(seq, k=min(k, len(seq)), counts=[2] * len(seq)),
                lambda m: (m.expovariate(1.5), m.triangular(0, 10, 3), m.lognormvariate(0, 1),
                           m.vonmisesvariate(1.0, 2.0), m.gammavariate(0.5, 1.0),
                           m.gammavariate(1.0, 2.0), m.gammavariate(3.0, 1.0),
                           m.betavariate(2.0, 3.0), m.paretovariate(2.0),
                           m.weibullvariate(1.0, 2.0)),
            ]
            call = calls[op]
            check('random case %d step %d op %d' % (case, step, op),
                  lambda: call(ours), lambda: call(real))
        check('random case %d final state' % case, ours.getstate(), real.getstate())

    for label, call in [
        ('randrange(0)', lambda m: m.randrange(0)),
        ('randrange(3, 3)', lambda m: m.randrange(3, 3)),
        ('randrange(1, 10, 0)', lambda m: m.randrange(1, 10, 0)),
        ('randrange(10, 1, 2)', lambda m: m.randrange(10, 1, 2)),
        ('randrange(5, step=2)', lambda m: m.randrange(5, step=2)),
        ('randrange(2.5)', lambda m: m.randrange(2.5)),
        ('randrange(1, 2.5)', lambda m: m.randrange(1, 2.5)),
        ('randrange(1, 9, 1.5)', lambda m: m.randrange(1, 9, 1.5)),
        ('choice([])', lambda m: m.choice([])),
        ('sample too big', lambda m: m.sample([1, 2], 3)),
        ('sample negative', lambda m: m.sample([1, 2], -1)),
        ('sample set', lambda m: m.sample({1, 2}, 1)),
        ('getrandbits(-1)', lambda m: m.getrandbits(-1)),
        ('choices both', lambda m: m.choices('ab', [1, 1], cum_weights=[1, 2])),
        ('choices weights size', lambda m: m.choices('ab', [1])),
        ('choices zero weights', lambda m: m.choices('ab', [0, 0])),
        ('choices k positional', lambda m: m.choices('ab', 3)),
        ('gammavariate(0, 1)', lambda m: m.gammavariate(0, 1)),
    ]:
        check(label, lambda: call(r.Random(5)), lambda: call(real_random.Random(5)))

    # The module-level functions share one hidden instance, as CPython's do.
    r.seed(42)
    real_random.seed(42)
    check('module seed(42) three random()', [r.random() for _ in range(3)],
          [real_random.random() for _ in range(3)])
    check('module randint/choice/shuffle',
          lambda: (r.randint(1, 6), r.choice('abc'), (lambda x: (r.shuffle(x), x)[1])(list(range(9))),
                   r.sample(range(100), 5), r.getstate()),
          lambda: (real_random.randint(1, 6), real_random.choice('abc'),
                   (lambda x: (real_random.shuffle(x), x)[1])(list(range(9))),
                   real_random.sample(range(100), 5), real_random.getstate()))
    a, b = r.Random(), r.Random()
    check('unseeded generators differ', a.random() != b.random(), True)


################################################################################
### collections
################################################################################

def check_deque(c):
    rd = real_collections.deque
    for case in range(300):
        maxlen = rng.choice([None, None, 0, 1, 3, 8])
        init = [rng.randrange(10) for _ in range(rng.randrange(0, 12))]
        ours, real = c.deque(init, maxlen), rd(init, maxlen)
        check('deque init repr', repr(ours), repr(real))
        for step in range(60):
            x = rng.randrange(10)
            i = rng.randrange(-12, 12)
            items = [rng.randrange(10) for _ in range(rng.randrange(0, 5))]
            op = rng.choice([
                lambda d: d.append(x), lambda d: d.appendleft(x), lambda d: d.pop(),
                lambda d: d.popleft(), lambda d: d.extend(items), lambda d: d.extendleft(items),
                lambda d: d.rotate(i), lambda d: d.rotate(), lambda d: d.count(x),
                lambda d: d.index(x), lambda d: d.index(x, 1, -1), lambda d: d.remove(x),
                lambda d: d.reverse(), lambda d: d[i], lambda d: d.__setitem__(i, x),
                lambda d: d.__delitem__(i), lambda d: d.insert(i, x), lambda d: x in d,
                lambda d: len(d), lambda d: bool(d), lambda d: list(reversed(d)),
                lambda d: d.maxlen, lambda d: d.append(x) or d.append(x) or d.popleft(),
                lambda d: d.clear() if x == 0 and i < -8 else None,
                lambda d: d.extend(d), lambda d: d.extendleft(d),
                lambda d: [d.appendleft(v) for v in range(30)] and None,
                lambda d: [d.popleft() for v in range(min(len(d), 25))] and None,
                lambda d: d['a'],
            ])
            check('deque op case %d step %d' % (case, step), lambda: op(ours), lambda: op(real))
            check('deque state case %d step %d' % (case, step), repr(ours), repr(real))
        check('deque copy', repr(ours.copy()), repr(real.copy()))
        check('deque ==', ours == c.deque(list(ours)), real == rd(list(real)))
        check('deque <', ours < c.deque([5]), real < rd([5]))
        check('deque == list', ours == list(ours), real == list(real))
        check('deque +', lambda: repr(ours + c.deque([1, 2])), lambda: repr(real + rd([1, 2])))
        check('deque *', lambda: repr(ours * 2), lambda: repr(real * 2))
        check('deque + list', lambda: ours + [1], lambda: real + [1])
    check('deque empty pop', lambda: c.deque().pop(), lambda: rd().pop())
    check('deque empty popleft', lambda: c.deque().popleft(), lambda: rd().popleft())
    check('deque maxlen -1', lambda: c.deque([], -1), lambda: rd([], -1))
    check('deque full insert', lambda: c.deque([1], 1).insert(0, 2), lambda: rd([1], 1).insert(0, 2))
    check('deque index missing', lambda: c.deque([1]).index(2), lambda: rd([1]).index(2))
    check('deque remove missing', lambda: c.deque([1]).remove(2), lambda: rd([1]).remove(2))
    check('deque slice', lambda: c.deque([1])[0:1], lambda: rd([1])[0:1])
    check('deque hash', lambda: hash(c.deque()), lambda: hash(rd()))
    check('defaultdict hash', lambda: hash(c.defaultdict()), lambda: hash(real_collections.defaultdict()))
    check('OrderedDict hash', lambda: hash(c.OrderedDict()), lambda: hash(real_collections.OrderedDict()))
    check('Counter hash', lambda: hash(c.Counter()), lambda: hash(real_collections.Counter()))
    check('deque(None)', lambda: c.deque(None), lambda: rd(None))
    check('deque repr maxlen', repr(c.deque(range(5), maxlen=3)), repr(rd(range(5), maxlen=3)))

    def subclass(base):
        class MyDeque(base):
            pass
        return MyDeque
    ours, real = subclass(c.deque), subclass(rd)
    check('deque subclass repr', repr(ours([1])), repr(real([1])))
    check('deque subclass copy', repr(ours([1], 4).copy()), repr(real([1], 4).copy()))
    # Many appendleft/popleft: the reserved front space must not break anything.
    ours, real = c.deque(), rd()
    for i in range(3000):
        for d in (ours, real):
            if i % 3:
                d.appendleft(i)
            else:
                d.append(i)
            if i % 5 == 0 and d:
                d.popleft()
            if i % 7 == 0 and d:
                d.pop()
    check('deque long run', list(ours), list(real))


def check_defaultdict(c):
    rdd = real_collections.defaultdict
    ours, real = c.defaultdict(list), rdd(list)
    for case in range(200):
        k = rng.randrange(8)
        ours[k].append(case)
        real[k].append(case)
    check('defaultdict(list) fill', dict(ours), dict(real))
    check('defaultdict repr', repr(ours), repr(real))
    check('defaultdict repr None', repr(c.defaultdict()), repr(rdd()))
    check('defaultdict repr int', repr(c.defaultdict(int, {'a': 1})), repr(rdd(int, {'a': 1})))
    check('defaultdict repr lambda kw',
          repr(c.defaultdict(None, a=1, b=[2])), repr(rdd(None, a=1, b=[2])))
    check('defaultdict no factory', lambda: c.defaultdict()['x'], lambda: rdd()['x'])
    check('defaultdict bad factory', lambda: c.defaultdict(5), lambda: rdd(5))
    check('defaultdict get does not insert',
          lambda: (c.defaultdict(int).get('a'), len(c.defaultdict(int))),
          lambda: (rdd(int).get('a'), len(rdd(int))))
    counts_ours, counts_real = c.defaultdict(int), rdd(int)
    for w in 'the quick brown fox jumps over the lazy dog the end'.split():
        counts_ours[w] += 1
        counts_real[w] += 1
    check('defaultdict(int) counts', repr(counts_ours), repr(counts_real))
    check('defaultdict copy', repr(counts_ours.copy()), repr(counts_real.copy()))
    check('defaultdict copy type', type(counts_ours.copy()).__name__, type(counts_real.copy()).__name__)
    check('defaultdict isinstance dict', isinstance(counts_ours, dict), True)
    check('defaultdict |', repr(counts_ours | {'zz': 9}), repr(counts_real | {'zz': 9}))
    check('defaultdict ==', counts_ours == dict(counts_real), True)
    check('defaultdict default_factory', counts_ours.default_factory, counts_real.default_factory)


def check_namedtuple(c):
    rnt = real_collections.namedtuple
    specs = [
        ('Point', 'x y', {}),
        ('Point', 'x, y', {}),
        ('Point', ['x', 'y'], {}),
        ('P3', 'a b c', {'defaults': [3]}),
        ('P3', 'a b c', {'defaults': (1, 2, 3)}),
        ('Empty', '', {}),
        ('One', 'only', {}),
        ('R', 'abc def _x x x 1y', {'rename': True}),
    ]
    calls = [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((), {'x': 1, 'y': 2}),
             ((1,), {'y': 2}), ((1,), {'x': 2}), ((1, 2), {'z': 3}), ((), {'b': 5}),
             ((), {'a': 1, 'b': 2}), ((1, 2, 3), {'a': 1}), ((9,), {'only': 1})]
    for name, fields, kw in specs:
        ours, real = c.namedtuple(name, fields, **kw), rnt(name, fields, **kw)
        for attr in ('__name__', '__qualname__', '_fields', '_field_defaults', '__doc__'):
            check('namedtuple %s %s' % (name, attr), getattr(ours, attr), getattr(real, attr))
        for call in calls:
            args, kwargs = call if len(call) == 2 and isinstance(call[1], dict) else (call, {})
            check('namedtuple %s%r %r' % (name, args, kwargs),
                  lambda: repr(ours(*args, **kwargs)), lambda: repr(real(*args, **kwargs)))
        n = len(real._fields)
        values = list(range(10, 10 + n))
        o, r = ours(*values), real(*values)
        check('namedtuple tuple eq', tuple(o), tuple(r))
        check('namedtuple == tuple', o == tuple(values), True)
        check('namedtuple hash', hash(o), hash(r))
        check('namedtuple isinstance', isinstance(o, tuple), True)
        check('namedtuple _asdict', o._asdict(), r._asdict())
        check('namedtuple _make', lambda: repr(ours._make(values)), lambda: repr(real._make(values)))
        check('namedtuple _make short', lambda: ours._make(values[:-1]), lambda: real._make(values[:-1]))
        for f in real._fields:
            check('namedtuple field %s' % f, getattr(o, f), getattr(r, f))
            check('namedtuple _replace %s' % f, lambda: repr(o._replace(**{f: 'new'})),
                  lambda: repr(r._replace(**{f: 'new'})))
        check('namedtuple _replace bad', lambda: o._replace(zz=1), lambda: r._replace(zz=1))
        check('namedtuple unpack', list(o), list(r))
        check('namedtuple index', o[-1] if n else None, r[-1] if n else None)
        check('namedtuple setattr', lambda: setattr(o, real._fields[0] if n else 'q', 5),
              lambda: setattr(r, real._fields[0] if n else 'q', 5))
        check('namedtuple delattr', lambda: delattr(o, real._fields[0] if n else 'q'),
              lambda: delattr(r, real._fields[0] if n else 'q'))
    for bad in [('1x', 'a'), ('P', 'a 1b'), ('P', 'a class'), ('class', 'a'), ('P', 'a _b'),
                ('P', 'a a'), ('P', [1, 'a']), ('P', 'a b')]:
        kw = {'defaults': [1, 2, 3]} if bad == ('P', 'a b') else {}
        check('namedtuple bad %r' % (bad,), lambda: c.namedtuple(*bad, **kw)._fields,
              lambda: rnt(*bad, **kw)._fields)
    P, RP = c.namedtuple('Point', 'x y'), rnt('Point', 'x y')

    class Sub(P):
        def norm(self):
            return self.x * self.x + self.y * self.y

    class RealSub(RP):
        def norm(self):
            return self.x * self.x + self.y * self.y
    check('namedtuple subclass repr', repr(Sub(3, 4)).replace('Sub', 'X'),
          repr(RealSub(3, 4)).replace('RealSub', 'X'))
    check('namedtuple subclass method', Sub(3, 4).norm(), RealSub(3, 4).norm())
    check('namedtuple sort', sorted([P(2, 1), P(1, 5), P(1, 2)]), sorted([RP(2, 1), RP(1, 5), RP(1, 2)]))
    check('namedtuple str', str(P(1, 'a')), str(RP(1, 'a')))
    check('namedtuple module default', P.__module__, '__main__')


def check_ordereddict(c):
    rod = real_collections.OrderedDict
    for case in range(200):
        init = [(rng.randrange(8), rng.randrange(100)) for _ in range(rng.randrange(0, 8))]
        ours, real = c.OrderedDict(init), rod(init)
        for step in range(30):
            k = rng.randrange(8)
            v = rng.randrange(100)
            op = rng.choice([
                lambda d: d.__setitem__(k, v), lambda d: d.move_to_end(k),
                lambda d: d.move_to_end(k, last=False), lambda d: d.move_to_end(k, False),
                lambda d: d.popitem(), lambda d: d.popitem(last=False), lambda d: d.popitem(False),
                lambda d: d.pop(k), lambda d: d.pop(k, None), lambda d: d.setdefault(k, v),
                lambda d: d.__delitem__(k), lambda d: list(reversed(d)), lambda d: d.get(k),
                lambda d: d.update({k: v, -1: v}),
            ])
            check('OrderedDict op case %d step %d' % (case, step), lambda: op(ours), lambda: op(real))
            check('OrderedDict state', repr(ours), repr(real))
        check('OrderedDict copy', repr(ours.copy()), repr(real.copy()))
        other = list(ours.items())
        rng.shuffle(other)
        check('OrderedDict == reordered', ours == c.OrderedDict(other), real == rod(other))
        check('OrderedDict == dict', ours == dict(other), real == dict(other))
        check('OrderedDict != reordered', ours != c.OrderedDict(other), real != rod(other))
    check('OrderedDict repr empty', repr(c.OrderedDict()), repr(rod()))
    check('OrderedDict kwargs', repr(c.OrderedDict(a=1, b=2)), repr(rod(a=1, b=2)))
    check('OrderedDict popitem empty', lambda: c.OrderedDict().popitem(), lambda: rod().popitem())
    check('OrderedDict move missing', lambda: c.OrderedDict().move_to_end('q'),
          lambda: rod().move_to_end('q'))
    check('OrderedDict |', repr(c.OrderedDict(a=1) | {'b': 2}), repr(rod(a=1) | {'b': 2}))


def check_counter(c):
    rc = real_collections.Counter
    for case in range(300):
        text = ''.join(rng.choice('abcdefg') for _ in range(rng.randrange(0, 30)))
        ours, real = c.Counter(text), rc(text)
        check('Counter repr %r' % text, repr(ours), repr(real))
        for n in (None, -1, 0, 1, 2, 3, 10):
            check('most_common(%r)' % n, ours.most_common(n), real.most_common(n))
        check('elements', list(ours.elements()), list(real.elements()))
        check('total', ours.total(), real.total())
        check('missing', ours['zz'], real['zz'])
        more = ''.join(rng.choice('abcxyz') for _ in range(rng.randrange(0, 15)))
        mapping = {ch: rng.randrange(-3, 4) for ch in 'abcq'}
        o2, r2 = c.Counter(more), rc(more)
        for op in ('__add__', '__sub__', '__or__', '__and__'):
            check('Counter %s' % op, repr(getattr(ours, op)(o2)), repr(getattr(real, op)(r2)))
        check('Counter +c', repr(+c.Counter(mapping)), repr(+rc(mapping)))
        check('Counter -c', repr(-c.Counter(mapping)), repr(-rc(mapping)))
        check('Counter == ', ours == o2, real == r2)
        check('Counter <=', ours <= o2, real <= r2)
        check('Counter <', ours < ours + o2, real < real + r2)
        check('Counter >=', ours >= o2, real >= r2)
        check('Counter == zero counts', c.Counter(a=1, b=0) == c.Counter(a=1), True)
        check('Counter + non-Counter', lambda: ours + {}, lambda: real + {})
        for method in ('update', 'subtract'):
            a, b = c.Counter(text), rc(text)
            getattr(a, method)(more)
            getattr(b, method)(more)
            check('Counter.%s(iterable)' % method, repr(a), repr(b))
            getattr(a, method)(mapping)
            getattr(b, method)(mapping)
            check('Counter.%s(mapping)' % method, repr(a), repr(b))
            getattr(a, method)(a=5, zz=-2)
            getattr(b, method)(a=5, zz=-2)
            check('Counter.%s(**kw)' % method, repr(a), repr(b))
            getattr(a, method)(c.Counter(more))
            getattr(b, method)(rc(more))
            check('Counter.%s(Counter)' % method, repr(a), repr(b))
        for op in ('__iadd__', '__isub__', '__ior__', '__iand__'):
            a, b = c.Counter(mapping), rc(mapping)
            a.update(text)
            b.update(text)
            check('Counter %s' % op, repr(getattr(a, op)(c.Counter(more))), repr(getattr(b, op)(rc(more))))
        a, b = c.Counter(mapping), rc(mapping)
        del a['zzz']
        del b['zzz']
        del a['a']
        del b['a']
        check('Counter del', repr(a), repr(b))
    check('Counter kwargs', repr(c.Counter(a=3, b=1, c=3)), repr(rc(a=3, b=1, c=3)))
    check('Counter empty', repr(c.Counter()), repr(rc()))
    check('Counter floats', repr(c.Counter({'a': 1.5, 'b': 2})), repr(rc({'a': 1.5, 'b': 2})))
    check('Counter unorderable', repr(c.Counter({'a': 'x', 'b': 1})), repr(rc({'a': 'x', 'b': 1})))
    check('Counter fromkeys', lambda: c.Counter.fromkeys('ab'), lambda: rc.fromkeys('ab'))
    check('Counter copy type', type(c.Counter('ab').copy()).__name__, 'Counter')
    words = 'a b c a b a d e e e e f'.split()
    check('Counter words most_common', c.Counter(words).most_common(3), rc(words).most_common(3))


def check_collections():
    c = load('collections')
    check_deque(c)
    check_defaultdict(c)
    check_namedtuple(c)
    check_ordereddict(c)
    check_counter(c)


################################################################################
### functools
################################################################################

def check_functools():
    f = load('functools')
    rf = real_functools

    def g(*args, **kw):
        return args, sorted(kw.items())

    for mod in (f, rf):
        pass
    p_ours, p_real = f.partial(g, 1, a=1), rf.partial(g, 1, a=1)
    check('partial call', p_ours(2, b=2), p_real(2, b=2))
    check('partial override kw', p_ours(a=9), p_real(a=9))
    check('partial nested', f.partial(p_ours, 3, b=3)(4, c=4), rf.partial(p_real, 3, b=3)(4, c=4))
    nested_o, nested_r = f.partial(p_ours, 3, a=7), rf.partial(p_real, 3, a=7)
    check('partial flattened', (nested_o.func is g, nested_o.args, nested_o.keywords),
          (nested_r.func is g, nested_r.args, nested_r.keywords))
    check('partial not callable', lambda: f.partial(5), lambda: rf.partial(5))
    check('partial repr', repr(f.partial(g, 1, x=2)).replace('spy_functools', 'functools'),
          repr(rf.partial(g, 1, x=2)))
    check('partial keywords not shared', (p_ours(z=1), p_ours.keywords), (p_real(z=1), p_real.keywords))

    for case in range(200):
        data = [rng.randrange(-5, 10) for _ in range(rng.randrange(0, 8))]
        for fn in (lambda a, b: a + b, lambda a, b: a * 2 - b, max):
            check('reduce %r' % data, lambda: f.reduce(fn, data), lambda: rf.reduce(fn, data))
            check('reduce initial', lambda: f.reduce(fn, data, 7), lambda: rf.reduce(fn, data, 7))
            check('reduce iterator', lambda: f.reduce(fn, iter(data), None), lambda: rf.reduce(fn, iter(data), None))
    check('reduce not iterable', lambda: f.reduce(max, 5), lambda: rf.reduce(max, 5))

    def original(a, b=2):
        """The original doc."""
        return a + b
    original.extra = 'kept'

    def make_wrapped(mod):
        @mod.wraps(original)
        def wrapper(*args, **kwargs):
            return original(*args, **kwargs)
        return wrapper
    wo, wr = make_wrapped(f), make_wrapped(rf)
    for attr in ('__name__', '__qualname__', '__doc__', '__module__', 'extra', '__wrapped__'):
        check('wraps %s' % attr, getattr(wo, attr), getattr(wr, attr))
    check('wraps call', wo(1), wr(1))
    check('wraps __dict__', sorted(wo.__dict__), sorted(wr.__dict__))

    # lru_cache: same hits, misses and evictions (observed through which calls reach the function).
    for maxsize in (None, 0, 1, 2, 5, 32, -3):
        for typed in (False, True):
            logs = ([], [])

            def make_square(mod, log):
                @mod.lru_cache(maxsize=maxsize, typed=typed)
                def square(x, y=0):
                    log.append((x, y))
                    return x * x + y
                return square
            cached = [make_square(f, logs[0]), make_square(rf, logs[1])]
            for step in range(300):
                x = rng.choice([rng.randrange(8), float(rng.randrange(8))])
                y = rng.randrange(2)
                kw = rng.random() < 0.3
                check('lru_cache(%r, %r) call' % (maxsize, typed),
                      cached[0](x, y=y) if kw else cached[0](x),
                      cached[1](x, y=y) if kw else cached[1](x))
                if step % 97 == 96:
                    cached[0].cache_clear()
                    cached[1].cache_clear()
            check('lru_cache(%r, %r) calls made' % (maxsize, typed), logs[0], logs[1])
            check('lru_cache(%r, %r) info' % (maxsize, typed), tuple(cached[0].cache_info()),
                  tuple(cached[1].cache_info()))
            check('lru_cache info fields', cached[0].cache_info()._fields, cached[1].cache_info()._fields)
            check('lru_cache parameters', cached[0].cache_parameters(), cached[1].cache_parameters())

    def fib_with(mod, deco):
        @deco
        def fib(n):
            return n if n < 2 else fib(n - 1) + fib(n - 2)
        return fib(80), tuple(fib.cache_info()), fib.__name__
    check('@lru_cache bare', fib_with(f, f.lru_cache), fib_with(rf, rf.lru_cache))
    check('@lru_cache(maxsize=None)', fib_with(f, f.lru_cache(maxsize=None)),
          fib_with(rf, rf.lru_cache(maxsize=None)))
    check('@cache', fib_with(f, f.cache), fib_with(rf, rf.cache))
    check('lru_cache bad', lambda: f.lru_cache('x'), lambda: rf.lru_cache('x'))
    check('lru_cache unhashable', lambda: f.lru_cache()(len)([1]), lambda: rf.lru_cache()(len)([1]))

    def cmp(a, b):
        return (a % 5 - b % 5) or (b - a)
    for case in range(100):
        data = [rng.randrange(30) for _ in range(rng.randrange(0, 20))]
        check('cmp_to_key sort', sorted(data, key=f.cmp_to_key(cmp)), sorted(data, key=rf.cmp_to_key(cmp)))
    k1, k2 = f.cmp_to_key(cmp)(1), f.cmp_to_key(cmp)(6)
    check('cmp_to_key ops', (k1 < k2, k1 > k2, k1 == k2, k1 <= k2, k1 >= k2),
          (cmp(1, 6) < 0, cmp(1, 6) > 0, cmp(1, 6) == 0, cmp(1, 6) <= 0, cmp(1, 6) >= 0))

    def ordered(mod, op):
        namespace = {}

        def __eq__(self, other):
            return self.v == other.v
        namespace['__eq__'] = __eq__
        if op == '__lt__':
            namespace[op] = lambda self, other: self.v < other.v
        elif op == '__le__':
            namespace[op] = lambda self, other: self.v <= other.v
        elif op == '__gt__':
            namespace[op] = lambda self, other: self.v > other.v
        else:
            namespace[op] = lambda self, other: self.v >= other.v
        namespace['__init__'] = lambda self, v: setattr(self, 'v', v)
        return mod.total_ordering(type('T', (), namespace))
    for op in ('__lt__', '__le__', '__gt__', '__ge__'):
        To, Tr = ordered(f, op), ordered(rf, op)
        for a in range(3):
            for b in range(3):
                check('total_ordering %s %d %d' % (op, a, b),
                      (To(a) < To(b), To(a) <= To(b), To(a) > To(b), To(a) >= To(b)),
                      (Tr(a) < Tr(b), Tr(a) <= Tr(b), Tr(a) > Tr(b), Tr(a) >= Tr(b)))
    check('total_ordering none', lambda: f.total_ordering(type('N', (), {})),
          lambda: rf.total_ordering(type('N', (), {})))


################################################################################
### contextlib
################################################################################

def check_contextlib():
    cl = load('contextlib')
    rcl = real_contextlib

    def scenario(mod, body, gen_kind):
        """Run one with-statement; return the log and how it ended."""
        log = []

        @mod.contextmanager
        def cm(x):
            log.append('enter %s' % x)
            if gen_kind == 'noyield':
                return
            try:
                yield x * 2
            except ValueError as e:
                log.append('caught %s' % e)
                if gen_kind == 'reraise':
                    raise
                if gen_kind == 'replace':
                    raise KeyError('replaced') from e
            except StopIteration:
                log.append('stopiteration')
                if gen_kind == 'reraise':
                    raise
            finally:
                log.append('finally')
            if gen_kind == 'twice':
                yield 'again'
            log.append('after')

        try:
            with cm(21) as v:
                log.append('body %s' % v)
                if body == 'value':
                    raise ValueError('boom')
                if body == 'type':
                    raise TypeError('other')
                if body == 'stop':
                    raise StopIteration('stop')
                if body == 'return':
                    return log, 'returned'
            log.append('after with')
            return log, 'ok'
        except BaseException as e:      # noqa: BLE001
            return log, '%s: %s (cause %r)' % (type(e).__name__, e, type(e.__cause__).__name__)

    for body in ('ok', 'value', 'type', 'stop', 'return'):
        for gen_kind in ('plain', 'reraise', 'replace', 'noyield', 'twice'):
            check('contextmanager %s/%s' % (body, gen_kind),
                  lambda: scenario(cl, body, gen_kind), lambda: scenario(rcl, body, gen_kind))

    def decorated(mod):
        log = []

        @mod.contextmanager
        def tag(name):
            log.append('<%s>' % name)
            yield
            log.append('</%s>' % name)

        @tag('b')
        def greet(who):
            """Greets."""
            log.append('hello ' + who)
            return len(log)
        return greet('a'), greet('b'), log, greet.__name__, greet.__doc__
    check('contextmanager as decorator', lambda: decorated(cl), lambda: decorated(rcl))

    def traceback_of(mod):
        @mod.contextmanager
        def cm():
            yield
        try:
            with cm():
                1 / 0
        except ZeroDivisionError as e:
            return [frame.name for frame in traceback.extract_tb(e.__traceback__)]
    check('contextmanager keeps the body traceback', lambda: traceback_of(cl), lambda: traceback_of(rcl))

    def suppressing(mod, exc, *types):
        try:
            with mod.suppress(*types):
                raise exc
            return 'suppressed'
        except BaseException as e:      # noqa: BLE001
            return 'escaped %s' % type(e).__name__
    for exc in (KeyError('k'), ValueError('v'), ZeroDivisionError()):
        for types in ((), (KeyError,), (LookupError,), (KeyError, ValueError), (ArithmeticError,)):
            check('suppress %r %r' % (exc, types), lambda: suppressing(cl, exc, *types),
                  lambda: suppressing(rcl, exc, *types))
    check('suppress no exception', lambda: suppressing(cl, None), lambda: 'escaped TypeError')

    class Thing:
        def __init__(self):
            self.closed = False

        def close(self):
            self.closed = True

    def closing(mod):
        t = Thing()
        with mod.closing(t) as got:
            inside = (got is t, t.closed)
        return inside, t.closed
    check('closing', lambda: closing(cl), lambda: closing(rcl))

    def nullctx(mod):
        with mod.nullcontext(5) as a:
            pass
        with mod.nullcontext() as b:
            pass
        return a, b
    check('nullcontext', lambda: nullctx(cl), lambda: nullctx(rcl))

    def redirect(mod):
        buf = io.StringIO()
        with mod.redirect_stdout(buf):
            print('captured')
        return buf.getvalue()
    check('redirect_stdout', lambda: redirect(cl), lambda: redirect(rcl))

    def exit_stack(mod, fail_in, suppress_at):
        log = []

        class CM:
            def __init__(self, name):
                self.name = name

            def __enter__(self):
                log.append('enter ' + self.name)
                return self.name

            def __exit__(self, t, v, tb):
                log.append('exit %s %s' % (self.name, t.__name__ if t else None))
                if self.name == fail_in:
                    raise RuntimeError('fail in ' + self.name)
                return self.name == suppress_at
        try:
            with mod.ExitStack() as stack:
                names = [stack.enter_context(CM(n)) for n in 'abc']
                stack.callback(log.append, 'callback')
                stack.push(lambda t, v, tb: log.append('pushed %s' % (t and t.__name__)))
                log.append(names)
                raise ValueError('body')
        except BaseException as e:      # noqa: BLE001
            chain = []
            while e is not None:
                chain.append('%s(%s)' % (type(e).__name__, e))
                e = e.__context__
            return log, chain
        return log, 'ok'
    for fail_in in (None, 'a', 'b', 'c'):
        for suppress_at in (None, 'a', 'b', 'c'):
            check('ExitStack fail=%s suppress=%s' % (fail_in, suppress_at),
                  lambda: exit_stack(cl, fail_in, suppress_at), lambda: exit_stack(rcl, fail_in, suppress_at))
    # spy's sys may have no exc_info(): the exception chains must come out the same without it.
    real_sys = cl.sys
    cl.sys = type(sys)('sys_without_exc_info')
    try:
        for fail_in in (None, 'a', 'b', 'c'):
            for suppress_at in (None, 'a', 'b', 'c'):
                check('ExitStack without exc_info fail=%s suppress=%s' % (fail_in, suppress_at),
                      lambda: exit_stack(cl, fail_in, suppress_at),
                      lambda: exit_stack(rcl, fail_in, suppress_at))
    finally:
        cl.sys = real_sys

    def pop_all(mod):
        log = []
        with mod.ExitStack() as stack:
            stack.callback(log.append, 1)
            later = stack.pop_all()
        log.append('after')
        later.close()
        return log
    check('ExitStack pop_all', lambda: pop_all(cl), lambda: pop_all(rcl))
    check('ExitStack enter_context bad', lambda: cl.ExitStack().enter_context(5),
          lambda: rcl.ExitStack().enter_context(5))


################################################################################

SECTIONS = {
    'heapq': check_heapq,
    'itertools': check_itertools,
    'random': check_random,
    'collections': check_collections,
    'functools': check_functools,
    'contextlib': check_contextlib,
}


def main():
    wanted = [a for a in sys.argv[1:] if not a.startswith('-')] or list(SECTIONS)
    for name in wanted:
        before_pass, before_fail = passed, len(failures)
        try:
            SECTIONS[name]()
        except Exception:      # noqa: BLE001 -- a crash in a section is a failure, not the end
            failures.append('%s: the check itself crashed\n%s' % (name, traceback.format_exc()))
        print('%-12s %6d agree, %d differ' % (name, passed - before_pass, len(failures) - before_fail))
    for line in failures[:40 if not VERBOSE else None]:
        print('DIFF ' + line)
    if len(failures) > 40 and not VERBOSE:
        print('... and %d more (-v shows all)' % (len(failures) - 40))
    print('stdlib_check: %d checks agree, %d differ' % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
