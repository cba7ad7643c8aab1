"""Learning: product courses loaded from files, quizzes graded on the server, certificates."""
