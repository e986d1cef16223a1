#!/bin/sh
# The Debian packages the test suite needs beyond PyPI, installed when missing:
#   Java 17+                      for tests/test_spark.py (PySpark runs on the JVM; so does
#                                 `claimledger spark`, which says so when Java is missing)
#   chromium + chromium-driver    for the end-to-end browser tests of the web app
# Run by `make test` only (`make demo` and `make install` need none of them); does nothing when
# all are present.
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

# Without them the tests that need them are skipped (each says why), so a machine where they
# cannot be installed still runs the rest of the suite.
skipped() {
    echo "install-system-packages: $1; the tests that need$need will be skipped" >&2
    exit 0
}
command -v apt-get >/dev/null 2>&1 || skipped "no apt-get here: install$need by hand"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        skipped "need root (or sudo) to apt-get install$need"
    fi
fi
echo "install-system-packages: installing$need"
$SUDO apt-get update -q || skipped "apt-get update failed"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $need \
    || skipped "apt-get install$need failed"
