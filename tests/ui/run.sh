#!/usr/bin/env bash
echo "ui tests: not yet"
