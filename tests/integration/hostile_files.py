#!/usr/bin/python3
"""hostile_files.py - the hostile data-file suite (run by hostile_files.sh).

A deterministic mutation fuzzer over every data-file format: each shipped
model, limit, plan, .audio and .fixture file is mutated (bit flips, byte
inserts and deletes, NUL bytes, invalid UTF-8, control and bidi characters,
truncation, duplicated, swapped and deleted lines, huge numbers, very long
lines), and every mutant is fed to the real binary's load path:

  .lim                          station limits check FILE...
  .model .plan .audio .fixture  station check FILE...
  a sample of models and plans  station models / station run --plan with
                                STATION_DATA pointing at the mutant

Mutants go in batches (one process per batch); a batch that crashes or
hangs is rerun file by file to name the culprit.  Each mutant must end in
exactly one way: "FILE: ok" on stdout, or error lines on stderr each of the
form "FILE:LINE:COL: message" (limit files may list several; the others
one), and a file holding a NUL byte, a control character or invalid UTF-8
must be refused.  Counted: cases, crashes (a signal, or a sanitizer
report), hangs (the timeout), unparsed (any other output, or such a file
accepted).  The last line is the summary:

  hostile files: N cases, C crashes, H hangs, U unparsed

Usage: hostile_files.py STATION DATA_DIR WORK_DIR [PER_FORMAT] [SEED]
"""
import os
import random
import re
import shutil
import subprocess
import sys

SANITIZER = re.compile(rb"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                       rb"runtime error:|MemorySanitizer|ThreadSanitizer")
NUMBER = re.compile(rb"(?<![A-Za-z_.])-?[0-9]+(\.[0-9]+)?(?![A-Za-z_])")
HUGE = [b"1e308", b"-1e308", b"1e999", b"99999999999999999999999", b"-0", b"1e-400",
        b"4294967296", b"2147483648", b"-2147483649", b"0x7fffffff", b"nan", b"inf",
        b"18446744073709551616", b"9" * 400]
BADTEXT = [b"\x00", b"\xff", b"\xfe", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80",
           b"\xf4\x90\x80\x80", b"\xe2\x80", b"\x1b[2J", b"\x07", b"\r", b"\x0b", b"\x7f",
           b"\xc2\x9b", b"\xe2\x80\xae", b"\"", b"\\", b"#", b",", b":", b" \" "]
TIMEOUT = 30


def mutate(rng, data):
    """One mutation of bytes `data`."""
    op = rng.randrange(13)
    n = len(data)
    at = rng.randrange(n + 1) if n else 0
    if op == 0 and n:                                    # bit flip
        i = rng.randrange(n)
        return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]
    if op == 1:                                          # random byte inserted
        return data[:at] + bytes([rng.randrange(256)]) + data[at:]
    if op == 2 and n:                                    # bytes deleted
        k = rng.randrange(1, 8)
        return data[:at] + data[at + k:]
    if op == 3:                                          # NUL byte
        return data[:at] + b"\x00" + data[at:]
    if op == 4:                                          # invalid UTF-8, controls, quotes
        return data[:at] + rng.choice(BADTEXT) + data[at:]
    if op == 5:                                          # truncation
        return data[:at]
    lines = data.split(b"\n")
    li = rng.randrange(len(lines))
    if op == 6:                                          # duplicated line(s)
        return b"\n".join(lines[:li + 1] + lines[li:li + rng.randrange(1, 3)] + lines[li + 1:])
    if op == 7:                                          # huge or odd number
        nums = list(NUMBER.finditer(data))
        if nums:
            m = rng.choice(nums)
            return data[:m.start()] + rng.choice(HUGE) + data[m.end():]
        return data + b" " + rng.choice(HUGE)
    if op == 8:                                          # very long line
        filler = rng.choice([b"a", b"9", b" ", b"\"", b"x "]) * rng.choice([1030, 5000, 70000])
        return b"\n".join(lines[:li] + [lines[li] + filler] + lines[li + 1:])
    if op == 9 and len(lines) > 1:                       # two lines swapped
        lj = rng.randrange(len(lines))
        lines[li], lines[lj] = lines[lj], lines[li]
        return b"\n".join(lines)
    if op == 10:                                         # a line deleted
        return b"\n".join(lines[:li] + lines[li + 1:])
    if op == 11:                                         # a line from elsewhere in the file
        return b"\n".join(lines[:li] + [rng.choice(lines)] + lines[li:])
    words = data.split(b" ")                             # a word repeated or dropped
    wi = rng.randrange(len(words))
    if rng.randrange(2):
        return b" ".join(words[:wi] + [words[wi]] + words[wi:])
    return b" ".join(words[:wi] + words[wi + 1:])


def make_mutants(rng, seeds, count, outdir, ext):
    paths = []
    for k in range(count):
        base = seeds[k % len(seeds)]
        with open(base, "rb") as f:
            data = f.read()
        for _ in range(rng.choice([1, 1, 1, 2, 3, 6])):
            data = mutate(rng, data)
        path = os.path.join(outdir, "mut-%04d%s" % (k, ext))
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    return paths


def run(cmd, env=None):
    """(returncode, stdout, stderr); returncode None on a timeout."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT,
                           env=env)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or b"", e.stderr or b""


class Tally:
    def __init__(self):
        self.cases = self.crashes = self.hangs = self.unparsed = 0
        self.examples = []

    def bad(self, kind, path, detail):
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < 12:
            self.examples.append("%s %s: %s" % (kind, path, detail[:300]))


def must_refuse(path):
    """Why a file must be refused whatever else it says: a NUL byte, a
    control character, invalid UTF-8 (None if nothing)."""
    with open(path, "rb") as f:
        data = f.read()
    if b"\x00" in data:
        return "NUL byte"
    if re.search(rb"[\x01-\x08\x0a-\x0c\x0e-\x1f\x7f]", data.replace(b"\n", b"")):
        return "control character"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid UTF-8"
    return None


def judge_batch(tally, paths, rc, out, err, multi):
    """Attribute a clean batch's output to its files."""
    oks, errs = {}, {}
    for line in out.split(b"\n"):
        if not line:
            continue
        s = line.decode("utf-8", "replace")
        if s.endswith(": ok") and s[:-4] in paths:
            oks[s[:-4]] = oks.get(s[:-4], 0) + 1
        elif " ok (" in s and s.split(": ok (")[0] in paths:
            p = s.split(": ok (")[0]
            oks[p] = oks.get(p, 0) + 1
        else:
            tally.bad("unparsed", "(stdout)", s)
    for line in err.split(b"\n"):
        if not line:
            continue
        s = line.decode("utf-8", "replace")
        owner = None
        for p in (s.split(":", 1)[0],):
            if p in paths:
                owner = p
        m = re.match(r"^(.*?):([0-9]+):([0-9]+): \S", s)
        if owner is None or not m or m.group(1) != owner or int(m.group(2)) < 1 \
                or int(m.group(3)) < 1:
            tally.bad("unparsed", owner or "(stderr)", s)
            continue
        errs[owner] = errs.get(owner, 0) + 1
    for p in paths:
        o, e = oks.get(p, 0), errs.get(p, 0)
        if o + (1 if e else 0) != 1 or o > 1 or (e > 1 and not multi):
            tally.bad("unparsed", p, "%d ok lines, %d error lines" % (o, e))
        elif o and must_refuse(p):
            tally.bad("unparsed", p, "accepted a file with a %s" % must_refuse(p))
    want = 2 if errs else 0
    if rc != want:
        tally.bad("unparsed", paths[0], "batch exit %s, want %d" % (rc, want))


def feed(tally, cmd, paths, multi, env=None, batch=80):
    for i in range(0, len(paths), batch):
        part = paths[i:i + batch]
        tally.cases += len(part)
        rc, out, err = run(cmd + part, env)
        if rc is not None and rc >= 0 and not SANITIZER.search(err):
            judge_batch(tally, part, rc, out, err, multi)
            continue
        for p in part:                                   # find the culprit(s)
            rc1, out1, err1 = run(cmd + [p], env)
            if rc1 is None:
                tally.bad("hangs", p, "no exit in %d s" % TIMEOUT)
            elif rc1 < 0 or SANITIZER.search(err1):
                tally.bad("crashes", p, "exit %d %s" % (rc1, err1.decode("utf-8", "replace")))
            else:
                judge_batch(tally, [p], rc1, out1, err1, multi)


def feed_data_dir(tally, station, data, work, kind, paths, rng, count):
    """A sample through the commands that find files in the data directory:
    `station models` for models, `station run --plan` for plans."""
    for k in range(count):
        src = rng.choice(paths)
        d = os.path.join(work, "dd-%s-%d" % (kind, k))
        os.makedirs(os.path.join(d, "fixtures", "models"))
        os.makedirs(os.path.join(d, "fixtures", "plans"))
        shutil.copytree(os.path.join(data, "fixtures", "benches"),
                        os.path.join(d, "fixtures", "benches"))
        shutil.copytree(os.path.join(data, "limits"), os.path.join(d, "limits"))
        env = dict(os.environ, STATION_DATA=d)
        if kind == "model":
            dst = os.path.join(d, "fixtures", "models", "WH-1000XM5.model")
            shutil.copy(src, dst)
            cmd = [station, "models"]
        else:
            shutil.copy(os.path.join(data, "fixtures", "models", "WH-1000XM5.model"),
                        os.path.join(d, "fixtures", "models"))
            dst = os.path.join(d, "fixtures", "plans", "mut.plan")
            shutil.copy(src, dst)
            cmd = [station, "run", "--model", "WH-1000XM5", "--serial", "HOSTILE1",
                   "--plan", "mut", "--no-db", "--audio", "none"]
        tally.cases += 1
        rc, out, err = run(cmd, env)
        text = err.decode("utf-8", "replace")
        if rc is None:
            tally.bad("hangs", src, "%s: no exit" % kind)
        elif rc < 0 or SANITIZER.search(err):
            tally.bad("crashes", src, "%s: exit %d %s" % (kind, rc, text))
        elif rc == 2 or (kind == "model" and rc == 3):
            lines = [l for l in text.split("\n") if l]
            m = len(lines) == 1 and re.match(r"^station [a-z]+: " + re.escape(dst) +
                                             r":[0-9]+:[0-9]+: \S", lines[0])
            if not m:
                tally.bad("unparsed", src, "%s: %s" % (kind, text))
        elif kind == "model" and rc not in (0, 3):
            tally.bad("unparsed", src, "models exit %d: %s" % (rc, text))
        shutil.rmtree(d)


def main():
    station, data, work = sys.argv[1], sys.argv[2], sys.argv[3]
    per = int(sys.argv[4]) if len(sys.argv) > 4 else 320
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 20261203
    rng = random.Random(seed)
    fx = os.path.join(data, "fixtures")
    formats = [
        ("model", ".model", [os.path.join(fx, "models", f) for f in
                             sorted(os.listdir(os.path.join(fx, "models")))]),
        ("limits", ".lim", [os.path.join(data, "limits", f) for f in
                            sorted(os.listdir(os.path.join(data, "limits")))]),
        ("plan", ".plan", [os.path.join(fx, "plans", f) for f in
                           sorted(os.listdir(os.path.join(fx, "plans")))]),
        ("audio", ".audio", [os.path.join(fx, "benches", f) for f in
                             sorted(os.listdir(os.path.join(fx, "benches")))
                             if f.endswith(".audio")]),
        ("fixture", ".fixture", [os.path.join(fx, "benches", f) for f in
                                 sorted(os.listdir(os.path.join(fx, "benches")))
                                 if f.endswith(".fixture")]),
    ]
    total = Tally()
    for name, ext, seeds in formats:
        seeds = [s for s in seeds if s.endswith(ext)]
        outdir = os.path.join(work, name)
        if name == "limits":                  # includes resolve beside the mutant
            shutil.copytree(os.path.join(data, "limits"), outdir)
        else:
            os.makedirs(outdir)
        paths = make_mutants(rng, seeds, per, outdir, ext)
        t = Tally()
        if name == "limits":
            feed(t, [station, "limits", "check"], paths, True, batch=60)
        else:
            feed(t, [station, "check"], paths, False)
        if name in ("model", "plan"):
            feed_data_dir(t, station, data, work, name, paths, rng, 12)
        print("# %-8s %4d cases, %d crashes, %d hangs, %d unparsed" %
              (name, t.cases, t.crashes, t.hangs, t.unparsed))
        for e in t.examples:
            print("#   " + e.replace("\n", "\\n"))
        for k in ("cases", "crashes", "hangs", "unparsed"):
            setattr(total, k, getattr(total, k) + getattr(t, k))
    print("hostile files: %d cases, %d crashes, %d hangs, %d unparsed (seed %d, %d mutants "
          "per format)" % (total.cases, total.crashes, total.hangs, total.unparsed, seed, per))
    return 0 if total.crashes + total.hangs + total.unparsed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
