"""The account manager's relationship with the partner: complaints and contracts the
supplier's systems report, the contacts logged, and the quarterly bonus budget."""
