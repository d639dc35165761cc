"""The host package (pyproject.toml has its metadata): the converters in python/microlearn, the
CPython builds of the device modules (emlearn_trees, ...) made by the project's CMake build, and
the device's pure-Python npyfile modules, which run on CPython as they are."""

import glob
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = os.path.dirname(os.path.abspath(__file__))
# One module per binding source, as CMakeLists.txt builds them.
MODULES = sorted(os.path.splitext(os.path.basename(path))[0]
                 for path in glob.glob(os.path.join(ROOT, "src", "bindings", "cpython", "emlearn_*.cpp")))
DEVICE_MODULES = sorted(glob.glob(os.path.join(ROOT, "src", "device", "*.py")))


class CMakeBuild(build_ext):
    """Configures and builds CMakeLists.txt's CPython modules once, then puts each where
    setuptools expects that extension."""

    def build_extensions(self):
        build = os.path.abspath(os.path.join(self.build_temp, "cmake"))
        configure = ["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                     "-DMICROLEARN_TESTS=OFF", "-DMICROLEARN_WERROR=OFF",
                     "-DPython_EXECUTABLE=" + sys.executable]
        try:
            import pybind11  # the build requirement; else CMake looks for a system pybind11

            configure.append("-Dpybind11_DIR=" + pybind11.get_cmake_dir())
        except ImportError:
            pass
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", build, "--parallel", str(os.cpu_count() or 1)],
                       check=True)
        for ext in self.extensions:
            built = os.path.join(build, os.path.basename(self.get_ext_filename(ext.name)))
            target = self.get_ext_fullpath(ext.name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(built, target)


class BuildPy(build_py):
    """Also the device's npyfile, npzfile and npyextra, as top-level modules."""

    def run(self):
        super().run()
        for path in DEVICE_MODULES:
            self.copy_file(path, os.path.join(self.build_lib, os.path.basename(path)))


setup(
    ext_modules=[Extension(name, sources=[]) for name in MODULES],
    cmdclass={"build_ext": CMakeBuild, "build_py": BuildPy},
)
