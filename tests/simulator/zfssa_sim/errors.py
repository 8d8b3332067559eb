"""Appliance faults: every API error leaves the simulator as ``{"fault": {"message", "details", "code"}}``."""

# Error names and their HTTP statuses (docs/reference/appliance-api.md §2.2). ERR_STATE_CHANGED has no documented
# status; the simulator answers 409 (UNCONFIRMED, see README).
STATUS_OF = {
    'ERR_INVALID_ARG': 400,
    'ERR_UNKNOWN_ARG': 400,
    'ERR_MISSING_ARG': 400,
    'ERR_UNAUTHORIZED': 401,
    'ERR_DENIED': 403,
    'ERR_NOT_FOUND': 404,
    'ERR_STATE_CHANGED': 409,
    'ERR_OBJECT_EXISTS': 409,
    'ERR_CONFIRM_REQUIRED': 409,
    'ERR_OVER_LIMIT': 413,
    'ERR_UNSUPPORTED_MEDIA': 415,
    'ERR_INTERNAL': 500,
    'ERR_NOT_IMPLEMENTED': 501,
    'ERR_BUSY': 503,
}


class ApiError(Exception):
    """An API failure; ``code`` in the body always equals the HTTP status (UNCONFIRMED choice)."""

    def __init__(self, message, details='', status=None):
        super().__init__('%s: %s' % (message, details))
        self.message = message
        self.details = details
        self.status = status or STATUS_OF.get(message, 500)

    def body(self):
        return fault_body(self.status, self.message, self.details)


def fault_body(status, message, details):
    return {'fault': {'message': message, 'details': details, 'code': status}}


def not_found(what):
    return ApiError('ERR_NOT_FOUND', '%s does not exist' % what)


def invalid(details):
    return ApiError('ERR_INVALID_ARG', details)


def exists(what):
    return ApiError('ERR_OBJECT_EXISTS', '%s already exists' % what)


def denied(details):
    return ApiError('ERR_DENIED', details)


def state_changed(details):
    return ApiError('ERR_STATE_CHANGED', details)


def missing(name):
    return ApiError('ERR_MISSING_ARG', "required property '%s' is missing" % name)
