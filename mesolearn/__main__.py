from mesolearn.cli import main

raise SystemExit(main())
