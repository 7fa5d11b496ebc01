from django.http import HttpResponse


def search(request):
    return HttpResponse("search")


def detail(request, pk):
    return HttpResponse("detail")
