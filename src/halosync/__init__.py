"""halosync: bill customers for exactly what Huntress bills you, via HaloPSA Software Licences."""

__version__ = "0.1.0"
