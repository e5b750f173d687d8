"""People: addresses grouped into persons and mailing lists, and who wrote to whom."""
