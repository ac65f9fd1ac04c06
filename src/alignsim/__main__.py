from alignsim.cli import main

raise SystemExit(main())
