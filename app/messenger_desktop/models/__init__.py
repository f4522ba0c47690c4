"""Qt item models fed by the database streams: chat list, messages, presence."""
