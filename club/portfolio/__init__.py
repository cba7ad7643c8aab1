"""The account manager's workspace: the portfolio, each company's timeline and health
score (signals with their reasons, kept as daily history) and the weekly digest."""
