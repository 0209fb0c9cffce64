"""Local accounts: hashed passwords, roles, sign-in sessions that survive a reload."""

from mesolearn.accounts.service import AccountError, Accounts, Role

__all__ = ["AccountError", "Accounts", "Role"]
