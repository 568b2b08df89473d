// placeholder: filled in by issue 5
namespace bootsmith::kernel {}
