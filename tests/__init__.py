"""The test suite (a package, so test folders never shadow real packages)."""
