"""Club meetings: planning, registration with a waitlist, tickets, check-in, attendance."""
