"""The root of the named errors that services raise; each carries the offending value in its message."""


class MaterialsError(Exception):
    """A request the system refuses, with a message a person can act on."""


class NotFound(MaterialsError):
    """Something named by the caller does not exist."""


class DatabaseNotEmpty(MaterialsError):
    pass


class SchemaNotCurrent(MaterialsError):
    pass
