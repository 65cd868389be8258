"""CDK entry point (``cdk synth`` / ``cdk deploy`` run this; see docs/deploy.md)."""

from infra.application import create_app

if __name__ == "__main__":
    app, _ = create_app()
    app.synth()
