"""The audit log: who did what to which object, and when. Every domain writes to it."""
