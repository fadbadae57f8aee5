from airflow_provider_tencent.testing.emulator.cli import main

raise SystemExit(main())
