"""The club's name, logo, colours and signatory: shown in the header, mails and PDFs."""
