namespace Piecrust.Memory;

/// <summary>What an instance's memory holds when a contract's state is loaded into it.</summary>
internal readonly record struct PriorContent
{
    private PriorContent(bool zeroed, ImageKey? image, IdleView? view = null)
    {
        Zeroed = zeroed;
        Image = image;
        View = view;
    }

    /// <summary>A new instance: its data segments were written into the initial pages.</summary>
    public static PriorContent DataSegments => new(false, null);

    /// <summary>A reused instance whose memory was cleared: every byte zero.</summary>
    public static PriorContent Zeros => new(true, null);

    /// <summary>A reused instance still showing the committed image <paramref name="key"/>, clean: nothing written, nothing else mapped.</summary>
    public static PriorContent CleanImage(ImageKey key) => new(false, key);

    /// <summary>A reused instance showing the committed image <paramref name="key"/> as <paramref name="view"/> says (its own mappings and private pages).</summary>
    public static PriorContent Showing(ImageKey key, IdleView? view) => new(false, key, view);

    /// <summary>True when every byte is zero.</summary>
    public bool Zeroed { get; }

    /// <summary>The image shown (clean unless <see cref="View"/> says otherwise); null when none.</summary>
    public ImageKey? Image { get; }

    /// <summary>How the image is shown when not as a clean mapping of its files; null when clean or no image.</summary>
    public IdleView? View { get; }
}
