"""`python -m loadgen --host URL --stages FILE ...`: run locust headless as a subprocess."""

import sys

from loadgen.runner import main

sys.exit(main())
