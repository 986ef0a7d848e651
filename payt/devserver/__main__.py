import sys

from payt.devserver.cli import main

sys.exit(main())
