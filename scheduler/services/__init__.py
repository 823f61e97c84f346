"""The services between the shells and the core: patients, feeds, batch, users, request building."""
