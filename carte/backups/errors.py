"""The one way the backup engine refuses or fails."""


class BackupError(Exception):
    """What went wrong, in words for an administrator (a clear one-line message)."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)
