#!/bin/sh
# Installs what building and testing microlearn needs, from Debian's packages only (run as root).
# Safe to run again: packages already present are skipped without touching the network.
set -e
PACKAGES="make cmake g++ clang libclang-rt-14-dev googletest libgtest-dev
  python3 python3-numpy python3-scipy python3-sklearn python3-pytest python3-pybind11 pybind11-dev
  python3-pyelftools python3-dev gcc-arm-none-eabi libnewlib-arm-none-eabi valgrind
  python3-torch python3-onnx python3-pip python3-setuptools python3-wheel"
# Node.js runs MicroPython's WebAssembly build; the machine image may already have it.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs npm"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
