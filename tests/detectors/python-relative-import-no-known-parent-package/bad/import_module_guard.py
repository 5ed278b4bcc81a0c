import argparse

from . import config
from .worker import Worker


def run(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--queue", default=config.DEFAULT_QUEUE)
    args = parser.parse_args(argv)
    Worker(args.queue).run_forever()


if __name__ == "__main__":
    run()
