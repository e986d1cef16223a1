#!/bin/sh
# The Debian packages claimledger needs beyond PyPI, installed when missing:
#   Java 17+                      for `claimledger spark` (PySpark runs on the JVM)
#   chromium + chromium-driver    for the end-to-end browser tests of the web app
# Run by `make install` (and so by `make demo` and `make test`); does nothing when all are present.
set -eu

need=""
java_major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ] 2>/dev/null; then
    need="$need openjdk-17-jre-headless"
fi
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v chromedriver >/dev/null 2>&1 || need="$need chromium-driver"
[ -z "$need" ] && exit 0

echo "install-system-packages: installing$need"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-system-packages: need root (or sudo) to apt-get install$need" >&2
        exit 1
    fi
fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $need
