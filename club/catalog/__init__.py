"""The privilege catalogue and redemptions: partners spend points on services."""
