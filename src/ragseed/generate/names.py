"""Pinned name lists for emails. Our own data, so output never shifts with a Faker release."""

FIRST = (
    "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "david",
    "elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah",
    "ahmed", "fatima", "omar", "layla", "youssef", "mariam", "khaled", "nour", "hassan", "aisha",
    "karim", "salma", "wei", "mei", "hiroshi", "yuki", "arjun", "priya", "carlos", "lucia",
    "mateo", "sofia", "lukas", "emma", "noah", "olivia", "ivan", "anna", "kwame", "amara",
)  # fmt: skip
LAST = (
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
    "martinez", "hernandez", "lopez", "wilson", "anderson", "taylor", "thomas", "moore", "jackson",
    "haddad", "mansour", "khalil", "nasser", "saleh", "farouk", "hamdan", "aziz", "rahman",
    "chen", "wang", "tanaka", "sato", "patel", "sharma", "silva", "santos", "muller", "schmidt",
    "novak", "kowalski", "ivanov", "mensah", "okafor", "dubois", "rossi", "costa", "berg",
)  # fmt: skip
#: Reserved example domains (RFC 2606): seeded addresses can never reach a real mailbox.
DOMAINS = ("example.com", "example.org", "example.net", "corp.example.com", "mail.example.org")
