"""fmnist-demo: the Fashion-MNIST chapter as a web app, and a camera classifier for real items."""

from fmnist_demo.memory import return_large_blocks_to_the_system

return_large_blocks_to_the_system()
