from webapp import create_app


def make(env):
    return create_app(env)
