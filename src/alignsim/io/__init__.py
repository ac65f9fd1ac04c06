"""Reading and writing run folders."""

from alignsim.io.run_folder import RunFolderError, default_run_dir, write_run_folder

__all__ = ["RunFolderError", "default_run_dir", "write_run_folder"]
