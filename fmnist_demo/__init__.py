"""fmnist-demo: the Fashion-MNIST chapter as a web app, and a camera classifier for real items."""
