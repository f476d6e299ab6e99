with source as (

    select * from {{ source('shop', 'products') }}

),

renamed as (

    select
        id as product_id,
        name as product_name,
        lower(category) as category,
        {{ cents_to_dollars('list_price_cents') }} as list_price,
        coalesce(active, true) as is_active
    from source

)

select * from renamed
