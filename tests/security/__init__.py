"""The replay of every finding of the outside attack (issue 23), and the fuzz of every
form and API field: each defence here is a default that fails closed."""
