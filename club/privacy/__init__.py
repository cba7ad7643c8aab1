"""A person's data: what the club holds about them (to download), and erasing a person
who left. It reads every domain that names a person, so it sits above all of them."""
