"""What people and scripts see: the consoles, tables, lines and JSON documents of every command."""
