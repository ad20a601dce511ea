"""The bundle (tools/bundle) on a machine without development packages, simulated here:
unpacked outside the source and build trees, every command run with an empty environment
(env -i: no LD_LIBRARY_PATH, a default PATH), and once in a chroot that holds nothing but
busybox, python3 with its standard library (no matplotlib, no jsonschema) and the bundle.

Checks that the programs load only the bundle's libraries (LD_DEBUG), print both
cover-letter tables and their JSON, that `./run reproduce --quick` writes its run
directory with and without matplotlib, and that kdriver's source in the bundle builds.
The VM guests (vm/run-vm-tests) run the bundle where no library at all is installed.

Needs the programs built: $PFNBENCH_BUILD or build/ (tools/bundle --build-dir).
"""

import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("PFNBENCH_BUILD") or os.path.join(SRC, "build")
PROGRAMS = ("lat_mem_rd", "memcpy_test", "pfnbench_info", "pfn_bench")
HEADER = "Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement"
ROW = re.compile(r"^(4|8)\.00 [0-9.]+ [mn]s [0-9.]+ [mn]s -?[0-9.]+%$", re.M)
SCHEMA = "pfnbench-results/1"


def run(argv, cwd, env=None, timeout=600):
    """argv with an empty environment plus env."""
    return subprocess.run(["env", "-i"] + [f"{k}={v}" for k, v in (env or {}).items()]
                          + argv, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class Bundle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="pfnbench-bundle-test.")
        cls.tarball = os.path.join(cls.tmp.name, "pfnbench.tar.gz")
        made = subprocess.run([os.path.join(SRC, "tools", "bundle"), "--build-dir", BUILD,
                               cls.tarball], capture_output=True, text=True, timeout=600)
        if made.returncode != 0:
            raise AssertionError(f"tools/bundle failed: {made.stderr}")
        cls.made = made.stdout
        cls.root = os.path.join(cls.tmp.name, "target")  # outside the trees
        os.mkdir(cls.root)
        subprocess.run(["tar", "-xzf", cls.tarball, "-C", cls.root], check=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_layout(self):
        names = subprocess.run(["tar", "-tzf", self.tarball], capture_output=True,
                               text=True, check=True).stdout.split()
        self.assertIn("./run", names)  # at the top: tar x && ./run reproduce
        for p in PROGRAMS:
            self.assertTrue(os.access(os.path.join(self.root, "bin", p), os.X_OK), p)
            with open(os.path.join(self.root, "libexec", p), "rb") as f:
                self.assertEqual(f.read(4), b"\x7fELF", p)
        self.assertTrue(glob.glob(os.path.join(self.root, "lib", "ld-linux*.so*")))
        for f in ("kdriver/Kbuild", "kdriver/Makefile", "kdriver/main.c",
                  "kdriver/pfnbench_uapi.h", "kdriver/tests/pfnbench_tests.c",
                  "plots/pfnbench_results.py", "plots/schema/pfnbench-results-1.schema.json",
                  "plots/reference/cover-letter.json", "README.md", "BUNDLE-INFO"):
            self.assertTrue(os.path.isfile(os.path.join(self.root, f)), f)
        with open(os.path.join(self.root, "BUNDLE-INFO")) as f:
            info = f.read()
        self.assertRegex(info, r"(?m)^version: \S+")
        self.assertIn(f"path lat_mem_rd: {os.path.realpath(BUILD)}/lat_mem_rd/lat_mem_rd", info)
        self.assertNotIn("pfn_tests", info)  # only with --tests
        self.assertIn(self.tarball, self.made)

    def test_programs_load_only_the_bundles_libraries(self):
        """Every library each program loads, dlopen()ed ones included, is the bundle's."""
        logs = os.path.join(self.tmp.name, "ld-debug")
        cases = {"lat_mem_rd": ["--help"], "memcpy_test": ["--help"],
                 "pfnbench_info": [], "pfn_bench": ["--benchmark_list_tests"]}
        for prog, args in cases.items():
            shutil.rmtree(logs, ignore_errors=True)
            os.mkdir(logs)
            r = run([os.path.join(self.root, "bin", prog)] + args, self.tmp.name,
                    {"LD_DEBUG": "files", "LD_DEBUG_OUTPUT": os.path.join(logs, "ld")})
            self.assertEqual(r.returncode, 0, f"{prog}: {r.stderr}")
            loaded = []
            for log in glob.glob(os.path.join(logs, "ld.*")):
                with open(log) as f:
                    text = f.read()
                # The wrapper's shell and readlink use the system's libraries; the program
                # starts where the loader hands control to libexec/.
                mark = text.find("initialize program: " + os.path.join(self.root, "bin", prog))
                if mark < 0:
                    continue
                start = text.rfind("transferring control:", 0, mark)
                loaded += re.findall(r"calling init: (\S+)", text[start + 1:])
            self.assertTrue(loaded, f"{prog}: no libraries seen in LD_DEBUG output")
            outside = [p for p in loaded if not p.startswith(self.root + "/lib/")]
            self.assertEqual(outside, [], prog)

    def test_tables_and_json(self):
        for prog, args in (("lat_mem_rd", ["-N", "1", "--sample-ms", "1"]),
                           ("memcpy_test", ["--reps", "1"])):
            out = os.path.join(self.tmp.name, prog + ".json")
            r = run(["./run", prog, "--compare", "--sizes", "4M,8M", "--json", out] + args,
                    self.root)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(HEADER + "\n", r.stdout)
            self.assertEqual(len(ROW.findall(r.stdout)), 2, r.stdout)
            with open(out) as f:
                doc = json.load(f)
            self.assertEqual(doc["schema"], SCHEMA)
            self.assertEqual(len(next(iter(doc["tables"].values()))), 2)
        r = run(["./run", "info"], self.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("default events as this CPU's event tables define them:", r.stdout)

    def reproduce(self, env=None, expect_plots=True):
        results = os.path.join(self.root, "results")
        shutil.rmtree(results, ignore_errors=True)
        r = run(["./run", "reproduce", "--quick"], self.root, env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(HEADER, r.stdout)
        final = r.stdout.strip().splitlines()[-1]
        self.assertEqual(os.path.dirname(final), results)
        files = set(os.listdir(final))
        self.assertTrue({"latency.txt", "memcpy.txt", "results.json", "summary.md"} <= files,
                        files)
        pngs = {f for f in files if f.endswith(".png")}
        self.assertEqual(bool(pngs), expect_plots, files)
        with open(os.path.join(final, "results.json")) as f:
            self.assertEqual(json.load(f)["schema"], SCHEMA)
        with open(os.path.join(final, "summary.md")) as f:
            summary = f.read()  # the commands to rerun are the bundle's
        self.assertIn("bin/lat_mem_rd", summary)
        self.assertIn("./run reproduce --quick", summary)
        self.assertNotIn("./pfnbench", summary)
        return r

    @unittest.skipUnless(subprocess.run(["/usr/bin/python3", "-c", "import matplotlib"],
                                        capture_output=True).returncode == 0,
                         "/usr/bin/python3 has no matplotlib")
    def test_reproduce_quick(self):
        self.reproduce()

    def test_reproduce_quick_without_matplotlib(self):
        # python3 with its standard library only (-S: no site-packages, no matplotlib).
        py = os.path.join(self.tmp.name, "python3-stdlib")
        with open(py, "w") as f:
            f.write("#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n")
        os.chmod(py, 0o755)
        r = self.reproduce({"PFNBENCH_PYTHON": py}, expect_plots=False)
        self.assertEqual(r.stderr.count("cannot import matplotlib"), 1, r.stderr)

    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare") and
                         os.path.exists("/bin/busybox"), "needs root, unshare and busybox")
    def test_reproduce_quick_in_a_chroot_with_only_python(self):
        """A root with busybox, python3 and its standard library (bind-mounted read-only
        in a private mount namespace, gone when it exits) and the bundle: no other
        library, no matplotlib."""
        chroot = os.path.join(self.tmp.name, "chroot")
        for d in ("bin", "usr/bin", "proc", "sys", "dev", "tmp"):
            os.makedirs(os.path.join(chroot, d))
        shutil.copy("/bin/busybox", os.path.join(chroot, "bin"))
        for tool in ("sh", "readlink", "dirname", "env", "cat"):
            os.symlink("busybox", os.path.join(chroot, "bin", tool))
        python = os.path.realpath("/usr/bin/python3")
        stdlib = f"/usr/lib/{os.path.basename(python)}"
        os.makedirs(chroot + stdlib)
        shutil.copy(python, chroot + python)
        if python != "/usr/bin/python3":
            os.symlink(os.path.basename(python), os.path.join(chroot, "usr/bin/python3"))
        ldd = subprocess.run(["ldd", python], capture_output=True, text=True, check=True)
        for lib in re.findall(r"(/\S+) \(0x", ldd.stdout):
            os.makedirs(os.path.dirname(chroot + lib), exist_ok=True)
            shutil.copy(os.path.realpath(lib), chroot + lib)
        shutil.copytree(self.root, os.path.join(chroot, "pfnbench"), symlinks=True)
        script = (f"set -e; mount -t proc proc {chroot}/proc; mount -t sysfs sysfs {chroot}/sys;"
                  f" mount -t tmpfs tmpfs {chroot}/dev; mknod {chroot}/dev/null c 1 3;"
                  f" mknod {chroot}/dev/urandom c 1 9;"
                  f" mount --bind {stdlib} {chroot}{stdlib};"
                  f" mount -o remount,bind,ro {chroot}{stdlib};"
                  f" exec chroot {chroot} /bin/env -i PATH=/bin:/usr/bin"
                  " PYTHONDONTWRITEBYTECODE=1 /bin/sh -c 'cd /pfnbench && ./run reproduce --quick'")
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            script], capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-4000:])
        self.assertIn(HEADER, r.stdout)
        self.assertEqual(r.stderr.count("cannot import matplotlib"), 1, r.stderr)
        final = r.stdout.strip().splitlines()[-1]
        self.assertTrue(final.startswith("/pfnbench/results/"), final)
        files = set(os.listdir(chroot + final))
        self.assertTrue({"latency.txt", "memcpy.txt", "results.json", "summary.md"} <= files)

    def test_module_source_builds(self):
        heads = sorted(glob.glob("/usr/src/linux-headers-6.12*-cloud-amd64"))
        if not heads or not shutil.which("make") or not shutil.which("gcc"):
            self.skipTest("no Debian 6.12 kernel headers, make or gcc to build the module")
        r = run(["./run", "module", f"KDIR={heads[-1]}"], self.root,
                {"PATH": "/usr/bin:/bin"})
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])
        self.assertTrue(os.path.isfile(os.path.join(self.root, "kdriver", "pfnbench.ko")))


if __name__ == "__main__":
    unittest.main()
