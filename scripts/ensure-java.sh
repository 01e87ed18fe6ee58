#!/usr/bin/env bash
# Make sure a Java runtime is available for the DL reasoner (owlready2 runs HermiT in a JVM).
# Installs Debian's default-jre-headless when java is missing and we may use apt-get.
set -euo pipefail
if command -v java >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "java not found: installing default-jre-headless with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
  echo "java not found: installing default-jre-headless with sudo apt-get" >&2
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
  exit 0
fi
echo "error: the DL reasoner needs a Java runtime (11 or newer) and 'java' is not on PATH." >&2
echo "Install one (e.g. 'apt-get install default-jre-headless', 'brew install openjdk') and retry." >&2
exit 2
