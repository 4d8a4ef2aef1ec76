from site_factory import make

if __name__ == "__main__":
    app = make("production")
    app.run()
