from accounts.adapters import signup_allowed


def signup(request):
    """Whether to offer sign-up links (evaluated only by templates that ask)."""
    return {"signup_open": lambda: signup_allowed(request)}
