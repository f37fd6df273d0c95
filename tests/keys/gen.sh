#!/bin/sh
# Regenerates the throwaway test keys of the local JWT verification tests (tests/verify.rs).
# They sign nothing outside the tests; committed so `cargo test` needs neither openssl nor
# the network. Run from this directory: sh gen.sh
set -e
openssl genrsa -traditional -out rsa1.pem 2048 2>/dev/null
openssl genrsa -traditional -out rsa2.pem 2048 2>/dev/null
openssl rsa -in rsa1.pem -pubout -out rsa1.pub.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem
openssl pkey -in p256.pem -pubout -out p256.pub.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pem
openssl genpkey -algorithm ED25519 -out ed25519.pem
openssl pkey -in ed25519.pem -pubout -out ed25519.pub.pem
