from cdiscflow.cli import main

raise SystemExit(main())
