from threatatlas_tm.cli import main

raise SystemExit(main())
