"""Club rules and the privacy notice: versioned documents and who accepted which.

Below the features (the catalogue asks it whether a company may spend) and above
members: it names people and companies, never the other way round.
"""
