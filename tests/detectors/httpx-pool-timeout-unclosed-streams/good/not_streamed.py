def fetch(client, request):
    return client.send(request).json()
